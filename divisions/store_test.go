package divisions_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestLoadSeed_Store loads the seed into the real storage and reads the tree
// back: five counties, and the full path of a village.
func TestLoadSeed_Store(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := tuopin.NewContextWithUser(context.Background(), tuopin.SystemUser)
		svc := sqldb.NewAreaService(db)
		n, err := divisions.LoadSeed(ctx, svc)
		if err != nil || n != 943 {
			t.Fatalf("LoadSeed = %d, %v", n, err)
		}
		// Idempotent.
		if _, err := divisions.LoadSeed(ctx, svc); err != nil {
			t.Fatal(err)
		}
		_, total, err := svc.FindAreas(ctx, tuopin.AreaFilter{Prefix: "451224", Limit: 1})
		if err != nil || total != 1+14+152 {
			t.Errorf("东兰县 has %d areas stored (err %v), want 167", total, err)
		}
		path, err := svc.FindAreaPath(ctx, "451224104201")
		if err != nil {
			t.Fatal(err)
		}
		var names string
		for _, a := range path {
			names += a.Name + "/"
		}
		if names != "广西壮族自治区/河池市/东兰县/武篆镇/中和村委会/" {
			t.Errorf("path = %s", names)
		}
	})
}

// TestImportFull_Store imports the five full NBS files into SQLite, as
// `tuopin areas import` does, when TUOPIN_TEST_FULL_IMPORT is set.
func TestImportFull_Store(t *testing.T) {
	if os.Getenv("TUOPIN_TEST_FULL_IMPORT") == "" {
		t.Skip("set TUOPIN_TEST_FULL_IMPORT=1 to import all 665,276 rows")
	}
	needShared(t, "villages.csv.gz")
	db := sqldbtest.MustOpenSQLite(t)
	ctx := tuopin.NewContextWithUser(context.Background(), tuopin.SystemUser)
	svc := sqldb.NewAreaService(db)
	for _, name := range []string{"provinces.csv", "cities.csv", "counties.csv", "townships.csv", "villages.csv.gz"} {
		f, err := os.Open(filepath.Join(sharedDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		start := time.Now()
		res, err := divisions.Import(ctx, svc, f, divisions.ImportOptions{Size: fi.Size()})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %s", name, res.Summary(time.Since(start)))
	}
	_, total, err := svc.FindAreas(ctx, tuopin.AreaFilter{Limit: 1})
	if err != nil || total != 31+342+2975+41351+620572 {
		t.Errorf("%d areas stored (err %v)", total, err)
	}
}
