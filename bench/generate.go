// Package bench measures tuopin at the size of the nation: it generates a
// synthetic registry over the real statistical division codes (all 620,573
// villages of the 2023 edition), loads it through the same storage code the
// application uses, and times the reads a dashboard makes.
//
// The national target is the 2014 registration: 29.48 million households
// and 89.62 million people (domain.md §3), so a full run holds 3×10^7
// households and about 10^8 member rows. A run chooses its size; the
// results say which size was run and how the figures extrapolate.
package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// PersonsPerHousehold is the national ratio of the 2014 registration,
// 89.62 M people in 29.48 M households (domain.md §3).
const PersonsPerHousehold = 89.62 / 29.48

// sizeWeights gives household sizes 1..7 a distribution whose mean is close
// to PersonsPerHousehold (3.04): weights in per mille.
var sizeWeights = [...]int{150, 250, 250, 200, 100, 40, 10}

// Generator produces a deterministic synthetic registry over a list of
// village codes. Households are spread over the villages at random (the
// same seed gives the same registry), every member has a valid, unique ID
// number, and every household passes tuopin's validation.
type Generator struct {
	villages []string
	year     int
	total    int
	rng      *rand.Rand

	n        int            // households generated so far
	perCnty  map[string]int // members generated per county (ID sequence)
	statuses []string

	// In county order: how many households each village gets, the
	// villages in the order they are visited, and the position reached.
	counts []int32
	order  []int
	at     int
}

// Orders in which a generator hands out its households.
const (
	// OrderRandom places every household at a village drawn at random
	// over the whole list: consecutive households (one batch of a load)
	// lie all over the nation. The worst case for a loader that keeps
	// per-village roll-ups.
	OrderRandom = "random"
	// OrderCounty draws the villages alike (the same registry in
	// distribution), but hands the households out county by county, the
	// counties in random order and each county's villages in code order:
	// as a national load would arrive, one county's registry after
	// another.
	OrderCounty = "county"
)

// NewGenerator returns a generator of total households in year over the
// given 12-digit village codes.
func NewGenerator(villages []string, year, total int, seed uint64) *Generator {
	return &Generator{
		villages: villages,
		year:     year,
		total:    total,
		rng:      rand.New(rand.NewPCG(seed, 0x7475_6f70_696e)),
		perCnty:  make(map[string]int),
		// Mostly exited, as after 2020; the rest spread over the others.
		statuses: []string{
			tuopin.StatusExited, tuopin.StatusExited, tuopin.StatusExited, tuopin.StatusExitedDone,
			tuopin.StatusExitedDone, tuopin.StatusPoor, tuopin.StatusPreExit, tuopin.StatusReturned,
		},
	}
}

// NewCountyGenerator returns a generator of total households over the
// villages in OrderCounty: every household's village is drawn at random
// as in NewGenerator, and the households are handed out by county.
func NewCountyGenerator(villages []string, year, total int, seed uint64) *Generator {
	g := NewGenerator(villages, year, total, seed)
	g.counts = make([]int32, len(villages))
	for range total {
		g.counts[g.rng.IntN(len(villages))]++
	}
	byCounty := map[string][]int{}
	var counties []string
	for i, v := range villages {
		c := v[:6]
		if byCounty[c] == nil {
			counties = append(counties, c)
		}
		byCounty[c] = append(byCounty[c], i)
	}
	slices.Sort(counties)
	g.rng.Shuffle(len(counties), func(i, j int) { counties[i], counties[j] = counties[j], counties[i] })
	for _, c := range counties {
		vs := byCounty[c]
		slices.SortFunc(vs, func(a, b int) int { return strings.Compare(villages[a], villages[b]) })
		g.order = append(g.order, vs...)
	}
	return g
}

// SampleCounties returns the villages of whole counties drawn at random
// (every county once at most) until they number at least n, in code
// order; all villages when n is 0 or not less than their number. A
// registry of h households over them has the density of h×(all/n)
// households over the nation: the national target, 3×10^7 households
// over 620,572 villages, is 48 households a village, so 10^6 households
// over SampleCounties(villages, 20700) have the national density.
func SampleCounties(villages []string, n int, seed uint64) []string {
	if n <= 0 || n >= len(villages) {
		return villages
	}
	byCounty := map[string][]string{}
	var counties []string
	for _, v := range villages {
		c := v[:6]
		if byCounty[c] == nil {
			counties = append(counties, c)
		}
		byCounty[c] = append(byCounty[c], v)
	}
	slices.Sort(counties)
	rng := rand.New(rand.NewPCG(seed, 0x636f756e74))
	rng.Shuffle(len(counties), func(i, j int) { counties[i], counties[j] = counties[j], counties[i] })
	var out []string
	for _, c := range counties {
		if len(out) >= n {
			break
		}
		out = append(out, byCounty[c]...)
	}
	slices.Sort(out)
	return out
}

// Generated returns how many households Next has returned.
func (g *Generator) Generated() int { return g.n }

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国志红金凤德文春生海燕云飞林波丹荣永福庆安宁")
)

var birthBase = time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC)

// Next returns the next household, or nil when total have been generated.
func (g *Generator) Next() *tuopin.Household {
	if g.n >= g.total {
		return nil
	}
	g.n++
	var village string
	if g.order == nil {
		village = g.villages[g.rng.IntN(len(g.villages))]
	} else {
		for g.counts[g.order[g.at]] == 0 {
			g.at++
		}
		village = g.villages[g.order[g.at]]
		g.counts[g.order[g.at]]--
	}
	county := village[:6]
	h := &tuopin.Household{
		Year: g.year,
		// Unique within the year by construction: B + the running number.
		Number:          "B" + strconv.Itoa(g.n),
		AreaCode:        village,
		Attribute:       "0" + strconv.Itoa(1+g.rng.IntN(8)),
		MainCause:       fmt.Sprintf("%02d", 1+g.rng.IntN(11)),
		IncomePerCapita: tuopin.Money(200000 + g.rng.IntN(1500000)),
		Status:          g.statuses[g.rng.IntN(len(g.statuses))],
	}
	size := 1
	for w, pick := 0, g.rng.IntN(1000); size <= len(sizeWeights); size++ {
		if w += sizeWeights[size-1]; pick < w {
			break
		}
	}
	surname := surnames[g.rng.IntN(len(surnames))]
	for i := 0; i < size; i++ {
		// The county's running member number makes the ID unique: a day of
		// birth for every thousand, the sequence digits within the day.
		c := g.perCnty[county]
		g.perCnty[county] = c + 1
		birth := birthBase.AddDate(0, 0, c/1000%32000)
		seq := c % 1000
		first17 := county + birth.Format("20060102") + fmt.Sprintf("%03d", seq)
		rel := "03"
		switch i {
		case 0:
			rel = tuopin.RelationHead
		case 1:
			rel = "02"
		}
		h.Members = append(h.Members, &tuopin.Member{
			Name:     string([]rune{surname, given[g.rng.IntN(len(given))], given[g.rng.IntN(len(given))]}),
			IDNumber: first17 + string(tuopin.IDCheckChar(first17)),
			Relation: rel,
		})
	}
	return h
}
