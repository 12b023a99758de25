package jobs_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/demo"
	"github.com/tuopin/tuopin/jobs"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
	"github.com/tuopin/tuopin/xlsx"
)

// roundTripHouseholds is how many of the demo's households the round trip
// carries: every village of the first townships, with all their fields.
const roundTripHouseholds = 400

// TestImportRoundTrip exports a demo registry with the exporter (the
// registry read with EachHousehold into the encoder) in both layouts, as
// .xlsx and as GBK CSV, and imports the files into an empty database: the
// first file must give the same registry, field by field, and each other
// file must then find every household unchanged.
func TestImportRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a demo registry")
	}
	data, err := demo.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	hs := data.Households[:roundTripHouseholds]
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			// The source registry.
			src := sqldbtest.MustOpen(t, engine)
			loadAreas(t, src)
			sys := sqldbtest.Ctx(tuopin.SystemUser)
			batch := make([]*tuopin.Household, len(hs))
			for i, h := range hs {
				b, _ := json.Marshal(h)
				var c tuopin.Household
				json.Unmarshal(b, &c)
				batch[i] = &c
			}
			if err := sqldb.NewHouseholdService(src).CreateHouseholds(sys, batch, "round trip"); err != nil {
				t.Fatal(err)
			}
			want := snapshot(t, src)
			if len(want) != roundTripHouseholds {
				t.Fatalf("source holds %d households", len(want))
			}

			// The target: empty but for the areas.
			dst := sqldbtest.MustOpen(t, engine)
			e := newEnv(t, dst, jobs.Config{}, nil)
			for i, v := range []struct {
				format xlsx.Format
				layout xlsx.Layout
			}{
				{xlsx.FormatXLSX, xlsx.LayoutNational},
				{xlsx.FormatCSVGBK, xlsx.LayoutReadable},
				{xlsx.FormatCSVGBK, xlsx.LayoutNational},
				{xlsx.FormatXLSX, xlsx.LayoutReadable},
			} {
				file := export(t, src, v.format, v.layout)
				j := e.upload(e.county, "export."+string(v.format), file, tuopin.ImportOptions{})
				j = e.validate(e.county, j.ID, nil)
				if j.Status != tuopin.ImportValidated || j.Counts.RefusedRows != 0 {
					t.Fatalf("%s %s: dry run %s %+v %q %+v", v.format, v.layout, j.Status, j.Counts, j.Error, j.Preview)
				}
				j = e.commit(e.county, j.ID, "")
				wantCounts := tuopin.ImportCounts{Created: roundTripHouseholds}
				if i > 0 {
					wantCounts = tuopin.ImportCounts{Unchanged: roundTripHouseholds}
				}
				if j.Status != tuopin.ImportDone || j.Counts.Created != wantCounts.Created || j.Counts.Unchanged != wantCounts.Unchanged || j.Counts.Updated != 0 {
					t.Fatalf("%s %s: commit %s %+v %q", v.format, v.layout, j.Status, j.Counts, j.Error)
				}
				got := snapshot(t, dst)
				for number, w := range want {
					if g := got[number]; g != w {
						t.Fatalf("%s %s: household %s differs\n got %s\nwant %s", v.format, v.layout, number, g, w)
					}
				}
			}
		})
	}
}

// snapshot reads a registry as JSON per household number, without what
// storage assigns (IDs, versions, times).
func snapshot(t *testing.T, db *sqldb.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := sqldb.NewHouseholdService(db).EachHousehold(sqldbtest.Ctx(tuopin.SystemUser), tuopin.HouseholdFilter{}, func(h *tuopin.Household) error {
		h.ID, h.Version, h.CreatedAt, h.UpdatedAt = 0, 0, time.Time{}, time.Time{}
		for _, m := range h.Members {
			m.ID, m.HouseholdID = 0, 0
		}
		b, err := json.Marshal(h)
		out[h.Number] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// export writes a registry as the export of the household list does.
func export(t *testing.T, db *sqldb.DB, format xlsx.Format, layout xlsx.Layout) []byte {
	t.Helper()
	ctx := sqldbtest.Ctx(tuopin.SystemUser)
	codes, err := sqldb.NewCodeService(db).FindCodeSet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc, err := xlsx.NewHouseholdEncoder(&buf, format, layout, codes)
	if err != nil {
		t.Fatal(err)
	}
	areas := sqldb.NewAreaService(db)
	cache := map[string]xlsx.AreaNames{}
	enc.AreaNames = func(code string) xlsx.AreaNames {
		if n, ok := cache[code]; ok {
			return n
		}
		var n xlsx.AreaNames
		path, err := areas.FindAreaPath(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range path {
			switch a.Level {
			case tuopin.LevelProvince:
				n.Province = a.Name
			case tuopin.LevelCity:
				n.City = a.Name
			case tuopin.LevelCounty:
				n.County = a.Name
			case tuopin.LevelTownship:
				n.Township = a.Name
			case tuopin.LevelVillage:
				n.Village = a.Name
			}
		}
		cache[code] = n
		return n
	}
	if err := sqldb.NewHouseholdService(db).EachHousehold(ctx, tuopin.HouseholdFilter{}, enc.Encode); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
