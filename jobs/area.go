package jobs

import (
	"context"
	"strings"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// areaResolver finds a village's code from the names a file gives (the
// national export names 省市县乡村 and has no code), among the villages in
// the caller's scope. A name matches with or without its usual suffix
// (中和村 = 中和村委会, 武篆镇 = 武篆); several villages of one name are told
// apart by the township, then the county. Results are cached per names.
type areaResolver struct {
	ctx   context.Context
	areas tuopin.AreaService
	cache map[xlsx.AreaNames]string
	names map[string]string // area code → name, for parents
	err   error             // the first storage error, which ends the pass
}

func newAreaResolver(ctx context.Context, areas tuopin.AreaService) *areaResolver {
	return &areaResolver{ctx: ctx, areas: areas, cache: map[xlsx.AreaNames]string{}, names: map[string]string{}}
}

var areaSuffixes = []string{"村民委员会", "居民委员会", "村委会", "居委会", "社区", "村", "街道办事处", "街道", "办事处",
	"镇", "乡", "苏木", "自治县", "县", "区", "市", "旗"}

// coreName strips spaces and an administrative suffix from a name.
func coreName(s string) string {
	s = strings.Join(strings.Fields(xlsx.CleanText(s)), "")
	for _, suf := range areaSuffixes {
		if t := strings.TrimSuffix(s, suf); t != s && t != "" {
			return t
		}
	}
	return s
}

// splitFull splits a one-column area name ("广西壮族自治区、河池市、东兰县、
// 武篆镇、中和村") into its parts.
func splitFull(full string) []string {
	f := func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == '/' || r == ' ' || r == '　' || r == '-' || r == '|'
	}
	return strings.FieldsFunc(full, f)
}

// resolve returns the 12-digit code of the village the names point to.
func (a *areaResolver) resolve(n xlsx.AreaNames) (string, bool) {
	if code, ok := a.cache[n]; ok {
		return code, code != ""
	}
	code := a.lookup(n)
	if len(a.cache) > 10_000 {
		clear(a.cache)
	}
	a.cache[n] = code
	return code, code != ""
}

func (a *areaResolver) lookup(n xlsx.AreaNames) string {
	village, township, county := n.Village, n.Township, n.County
	if village == "" && n.Full != "" {
		parts := splitFull(n.Full)
		if len(parts) > 0 {
			village = parts[len(parts)-1]
		}
		if len(parts) > 1 {
			township = parts[len(parts)-2]
		}
		if len(parts) > 2 {
			county = parts[len(parts)-3]
		}
	}
	core := coreName(village)
	if core == "" {
		return ""
	}
	level := tuopin.LevelVillage
	found, _, err := a.areas.FindAreas(a.ctx, tuopin.AreaFilter{Level: &level, Query: core, Limit: 500})
	if err != nil {
		if a.err == nil {
			a.err = err
		}
		return ""
	}
	var cands []*tuopin.Area
	for _, v := range found {
		if coreName(v.Name) == core {
			cands = append(cands, v)
		}
	}
	if len(cands) > 1 && township != "" {
		cands = a.byParent(cands, township, func(v *tuopin.Area) string { return v.ParentCode })
	}
	if len(cands) > 1 && county != "" {
		cands = a.byParent(cands, county, func(v *tuopin.Area) string { return tuopin.PadCode(v.Code[:6]) })
	}
	if len(cands) != 1 {
		return ""
	}
	return cands[0].Code
}

// byParent keeps the candidates whose parent (as parent gives its code)
// bears the name.
func (a *areaResolver) byParent(cands []*tuopin.Area, name string, parent func(*tuopin.Area) string) []*tuopin.Area {
	want := coreName(name)
	var out []*tuopin.Area
	for _, v := range cands {
		code := parent(v)
		pn, ok := a.names[code]
		if !ok {
			path, err := a.areas.FindAreaPath(a.ctx, v.Code)
			if err == nil {
				for _, p := range path {
					a.names[p.Code] = p.Name
				}
			}
			pn = a.names[code]
		}
		if coreName(pn) == want {
			out = append(out, v)
		}
	}
	return out
}
