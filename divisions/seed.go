package divisions

import (
	"bytes"
	"context"
	"embed"
	"fmt"

	"github.com/tuopin/tuopin"
)

// The seed subset: five counties, with their provinces, cities, townships and
// villages, in the NBS file format. See data/README.md for the source.
//
//go:embed data/provinces.csv data/cities.csv data/counties.csv data/townships.csv data/villages.csv
var seedFS embed.FS

// SeedCounties lists the significant codes of the counties in the seed:
// 武陵源区, 麦积区, 东兰县, 香格里拉市 and 镇巴县.
var SeedCounties = []string{"430811", "620503", "451224", "533401", "610728"}

// Seed returns the embedded seed areas: the provinces, cities, counties,
// townships and villages of the five SeedCounties, in that order and by code
// within each level. Each call returns fresh values.
func Seed() ([]*tuopin.Area, error) {
	var out []*tuopin.Area
	for _, k := range Kinds {
		name := "data/" + k.String() + ".csv"
		b, err := seedFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		areas, err := ReadAll(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", name, err)
		}
		for _, a := range areas {
			if a.Level != k.Level() {
				return nil, fmt.Errorf("seed %s holds %s rows", name, Kind(a.Level))
			}
		}
		out = append(out, areas...)
	}
	return out, nil
}

// LoadSeed stores the seed areas through svc.UpsertAreas in one call, parents
// first, and returns how many were stored. ctx must carry an admin (such as
// tuopin.SystemUser). It is idempotent.
func LoadSeed(ctx context.Context, svc tuopin.AreaService) (int, error) {
	areas, err := Seed()
	if err != nil {
		return 0, err
	}
	if err := svc.UpsertAreas(ctx, areas); err != nil {
		return 0, fmt.Errorf("loading seed areas: %w", err)
	}
	return len(areas), nil
}
