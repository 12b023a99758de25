//go:build ignore

// geogen writes the map files under static/geo/ from the team's prepared
// geographic data (/work/shared/data, see its README §2 and §3):
//
//	go run ./web/geogen.go -data /work/shared/data -out web/static/geo
//
// It writes, for the provinces of the five seed counties (湖南 43, 广西 45,
// 云南 53, 陕西 61, 甘肃 62):
//
//	province_NN.json  the province's counties, simplified for a wall map
//	                  (Douglas–Peucker, 0.01°, coordinates to 3 decimals)
//	county_NNNNNN.json the outline of each seed county at the source's own
//	                  resolution (0.001°), coordinates to 4 decimals
//	provinces.json    every province of the nation, for the national map
//	                  (Douglas–Peucker, 0.05°, coordinates to 2 decimals)
//	points.csv        code, lng, lat of the seed counties' townships and
//	                  villages that have a 2016 coordinate under the same
//	                  code and name (GCJ-02, like the outlines)
//
// Features keep two properties, adcode and name. Only geometry is taken
// from the source; see static/geo/README.md for sources and licences.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

var seedCounties = []string{"430811", "451224", "533401", "610728", "620503"}

type feature struct {
	Type       string `json:"type"`
	Properties struct {
		Adcode string `json:"adcode"`
		Name   string `json:"name"`
	} `json:"properties"`
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

type outFeature struct {
	Type       string            `json:"type"`
	Properties map[string]string `json:"properties"`
	Geometry   outGeometry       `json:"geometry"`
}

type outGeometry struct {
	Type        string           `json:"type"`
	Coordinates [][][][2]float64 `json:"coordinates"`
}

func main() {
	data := flag.String("data", "/work/shared/data", "the shared data folder")
	out := flag.String("out", "web/static/geo", "where to write")
	seed := flag.String("seed", "divisions/data", "the embedded seed division files, for the 2023 names")
	flag.Parse()
	if err := run(*data, *out, *seed); err != nil {
		log.Fatal(err)
	}
}

func run(data, out, seed string) error {
	f, err := os.Open(filepath.Join(data, "geo", "china_counties_datav.geojson.gz"))
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	var fc struct {
		Features []feature `json:"features"`
	}
	if err := json.NewDecoder(gz).Decode(&fc); err != nil {
		return err
	}
	byProvince := map[string][]outFeature{}
	for _, ft := range fc.Features {
		code := ft.Properties.Adcode
		for _, c := range seedCounties {
			if strings.HasPrefix(code, c[:2]) {
				polys, err := polygons(ft)
				if err != nil {
					return fmt.Errorf("%s: %w", code, err)
				}
				byProvince[c[:2]] = append(byProvince[c[:2]], newFeature(ft, simplify(polys, 0.01, 3)))
				if code == c {
					if err := writeJSON(filepath.Join(out, "county_"+c+".json"), []outFeature{newFeature(ft, simplify(polys, 0, 4))}); err != nil {
						return err
					}
				}
			}
		}
	}
	for p, fs := range byProvince {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Properties["adcode"] < fs[j].Properties["adcode"] })
		if err := writeJSON(filepath.Join(out, "province_"+p+".json"), fs); err != nil {
			return err
		}
	}
	if err := writeProvinces(data, out); err != nil {
		return err
	}
	return writePoints(data, out, seed)
}

// writeProvinces writes the nation's provinces, simplified for a map of
// the whole country: 0.05° (about 5 km, under a pixel at that scale),
// coordinates to 2 decimals.
func writeProvinces(data, out string) error {
	f, err := os.Open(filepath.Join(data, "geo", "china_provinces_datav.geojson"))
	if err != nil {
		return err
	}
	defer f.Close()
	var fc struct {
		Features []feature `json:"features"`
	}
	if err := json.NewDecoder(f).Decode(&fc); err != nil {
		return err
	}
	var fs []outFeature
	for _, ft := range fc.Features {
		polys, err := polygons(ft)
		if err != nil {
			return fmt.Errorf("%s: %w", ft.Properties.Adcode, err)
		}
		fs = append(fs, newFeature(ft, simplify(polys, 0.05, 2)))
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Properties["adcode"] < fs[j].Properties["adcode"] })
	return writeJSON(filepath.Join(out, "provinces.json"), fs)
}

func newFeature(ft feature, polys [][][][2]float64) outFeature {
	return outFeature{
		Type:       "Feature",
		Properties: map[string]string{"adcode": ft.Properties.Adcode, "name": ft.Properties.Name},
		Geometry:   outGeometry{Type: "MultiPolygon", Coordinates: polys},
	}
}

// polygons reads a Polygon or MultiPolygon as a list of polygons.
func polygons(ft feature) ([][][][2]float64, error) {
	switch ft.Geometry.Type {
	case "Polygon":
		var p [][][2]float64
		err := json.Unmarshal(ft.Geometry.Coordinates, &p)
		return [][][][2]float64{p}, err
	case "MultiPolygon":
		var mp [][][][2]float64
		err := json.Unmarshal(ft.Geometry.Coordinates, &mp)
		return mp, err
	}
	return nil, fmt.Errorf("geometry %s", ft.Geometry.Type)
}

// simplify simplifies every ring (tolerance 0 keeps every point), rounds
// to digits decimals, and drops rings and polygons that collapse. A
// feature whose every polygon collapses is simplified again more finely.
func simplify(polys [][][][2]float64, tol float64, digits int) [][][][2]float64 {
	for {
		var out [][][][2]float64
		for _, poly := range polys {
			var rings [][][2]float64
			for i, ring := range poly {
				r := roundRing(dp(ring, tol), digits)
				if len(r) < 4 {
					if i == 0 {
						break // the outer ring collapsed: drop the polygon
					}
					continue
				}
				rings = append(rings, r)
			}
			if len(rings) > 0 {
				out = append(out, rings)
			}
		}
		if len(out) > 0 || tol == 0 {
			return out
		}
		tol /= 4
	}
}

func roundRing(ring [][2]float64, digits int) [][2]float64 {
	m := math.Pow(10, float64(digits))
	var out [][2]float64
	for _, p := range ring {
		q := [2]float64{math.Round(p[0]*m) / m, math.Round(p[1]*m) / m}
		if n := len(out); n > 0 && out[n-1] == q {
			continue
		}
		out = append(out, q)
	}
	return out
}

// dp is the Douglas–Peucker simplification of a closed ring.
func dp(pts [][2]float64, tol float64) [][2]float64 {
	if tol <= 0 || len(pts) < 5 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	// A closed ring starts and ends at the same point: split it at the
	// point farthest from the start, so that each half has a baseline.
	far, best := 0, -1.0
	for i, p := range pts {
		if d := math.Hypot(p[0]-pts[0][0], p[1]-pts[0][1]); d > best {
			far, best = i, d
		}
	}
	keep[far] = true
	var rec func(a, b int)
	rec = func(a, b int) {
		idx, dmax := -1, tol
		for i := a + 1; i < b; i++ {
			if d := segDist(pts[i], pts[a], pts[b]); d > dmax {
				idx, dmax = i, d
			}
		}
		if idx >= 0 {
			keep[idx] = true
			rec(a, idx)
			rec(idx, b)
		}
	}
	rec(0, far)
	rec(far, len(pts)-1)
	var out [][2]float64
	for i, p := range pts {
		if keep[i] {
			out = append(out, p)
		}
	}
	return out
}

func segDist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	if dx == 0 && dy == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(p[0]-(a[0]+t*dx), p[1]-(a[1]+t*dy))
}

func writeJSON(path string, fs []outFeature) error {
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// writePoints writes the 2016 coordinates of the seed counties' townships
// and villages whose 2016 name under the same code is the 2023 name.
func writePoints(data, out, seed string) error {
	names := map[string]string{} // 12-digit code → 2023 name, from the embedded seed
	for _, file := range []struct{ path, code, name string }{
		{"townships.csv", "code12", "name"},
		{"villages.csv", "village_code", "name"},
	} {
		rows, err := readCSV(filepath.Join(seed, file.path))
		if err != nil {
			return err
		}
		for _, r := range rows {
			names[r[file.code]] = r[file.name]
		}
	}
	f, err := os.Open(filepath.Join(data, "admin_divisions_2016", "adcode_2016_all_levels.csv.gz"))
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	rows, err := readCSVFrom(gz)
	if err != nil {
		return err
	}
	var lines []string
	for _, r := range rows {
		if n, ok := names[r["code"]]; ok && n == r["name"] && r["lng_gcj02"] != "" && r["lat_gcj02"] != "" {
			lines = append(lines, r["code"]+","+r["lng_gcj02"]+","+r["lat_gcj02"])
		}
	}
	sort.Strings(lines)
	w, err := os.Create(filepath.Join(out, "points.csv"))
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "code,lng,lat")
	for _, l := range lines {
		fmt.Fprintln(bw, l)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return w.Close()
}

func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCSVFrom(f)
}

func readCSVFrom(r io.Reader) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		m := make(map[string]string, len(head))
		for i, h := range head {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
}
