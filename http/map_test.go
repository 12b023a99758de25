package apphttp_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// mapSpec returns the map's data-chart attribute, unescaped.
func mapSpec(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`class="chart chart-map" data-chart="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no map on the page\n%s", excerpt(body))
	}
	return html.UnescapeString(m[1])
}

func TestMap(t *testing.T) {
	e := newBoardEnv(t)
	e.setPlan(sqldbtest.DonglanTown, 3, 6, node(7, 25, 1, 2))
	e.exit(e.bala)
	b := e.login(e.county)

	t.Run("County", func(t *testing.T) {
		// The county's outline with its townships as points, by code.
		r := b.get("/map/451224?year=2024")
		check(t, "county map", r, http.StatusOK, []string{"作战地图", "各区域未脱贫户", "DataV.GeoAtlas", "CC BY 4.0", "vendor/echarts.min.js",
			`href="/map/451224100?year=2024&amp;indicator=poor_households"`, "/map/export.xlsx?"}, nil)
		spec := mapSpec(t, r.body)
		for _, want := range []string{`/geo/county_451224.json"`, `"regions":[]`, `"code":"451224100000","name":"东兰镇","value":2`,
			`"coord":[107.37803,24.511702]`, `"code":"451224102000","name":"长乐镇","value":1`, `"indicator":"未脱贫户"`} {
			if !strings.Contains(spec, want) {
				t.Errorf("map spec lacks %s:\n%s", want, spec)
			}
		}
		// The embedded shape is served.
		geo := regexp.MustCompile(`"geo":"([^"]+)"`).FindStringSubmatch(spec)
		check(t, "shape", b.get(geo[1]), http.StatusOK, []string{`"FeatureCollection"`, `"adcode":"451224"`, `"name":"东兰县"`}, nil)
	})

	t.Run("Indicators", func(t *testing.T) {
		spec := mapSpec(t, b.get("/map/451224?year=2024&indicator=plan_rate").body)
		// 东兰镇 has 1 of its 3 planned exits; 长乐镇 has no plan: no value.
		for _, want := range []string{`"name":"东兰镇","value":33.3`, `"name":"长乐镇","value":null`, `"unit":"%"`} {
			if !strings.Contains(spec, want) {
				t.Errorf("plan rate spec lacks %s:\n%s", want, spec)
			}
		}
		// An unknown indicator falls back to the default.
		if !strings.Contains(mapSpec(t, b.get("/map/451224?year=2024&indicator=nope").body), `"indicator":"未脱贫户"`) {
			t.Error("unknown indicator not replaced by the default")
		}
	})

	t.Run("Province", func(t *testing.T) {
		// Guangxi's counties, coloured: the fixture holds two of them.
		r := e.login(e.admin).get("/map/45?year=2024&indicator=households")
		spec := mapSpec(t, r.body)
		for _, want := range []string{`/geo/province_45.json"`, `"filter":"45"`, `"code":"451223","name":"凤山县","value":1`,
			`"code":"451224","name":"东兰县","value":4`, `"points":[]`} {
			if !strings.Contains(spec, want) {
				t.Errorf("province spec lacks %s:\n%s", want, spec)
			}
		}
		check(t, "province table", r, http.StatusOK, []string{"凤山县", "东兰县"}, nil)
		// A city: its counties from the province's shapes.
		if spec := mapSpec(t, e.login(e.admin).get("/map/4512?year=2024").body); !strings.Contains(spec, `"filter":"4512"`) {
			t.Errorf("city spec %s", spec)
		}
	})

	t.Run("Township", func(t *testing.T) {
		r := b.get("/map/451224100?year=2024")
		check(t, "township map", r, http.StatusOK, []string{"新烟村委会", "巴拉村委会"}, nil)
		if spec := mapSpec(t, r.body); !strings.Contains(spec, `/geo/county_451224.json"`) {
			t.Errorf("township spec %s", spec)
		}
	})

	t.Run("Export", func(t *testing.T) {
		f, sheet := openXLSX(t, b.get("/map/export.xlsx?area=451224&year=2024&indicator=exited_households"))
		wantCells(t, f, sheet, map[string]string{"A1": "各区域已脱贫户", "A3": "乡镇", "B3": "已脱贫户", "C3": "建档立卡户数",
			"A4": "东兰镇", "B4": "1", "C4": "3", "A5": "长乐镇", "B5": "0"})
	})

	t.Run("Scope", func(t *testing.T) {
		check(t, "village on county", e.login(e.village).get("/map/451224?year=2024"), http.StatusNotFound, nil, nil)
		check(t, "county on province", b.get("/map/45?year=2024"), http.StatusNotFound, nil, []string{"凤山县"})
		check(t, "viewer", e.login(e.viewer).get("/map/451224?year=2024"), http.StatusOK, []string{"东兰镇"}, nil)
	})
}
