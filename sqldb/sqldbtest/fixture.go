package sqldbtest

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
)

// Real area codes (统计用区划代码 2023) of the fixture: 东兰县 in 河池市,
// Guangxi, with two townships and three villages, and one village of the
// neighbouring 凤山县 for tests across counties.
const (
	Guangxi       = "450000000000" // 广西壮族自治区
	Hechi         = "451200000000" // 河池市
	Donglan       = "451224000000" // 东兰县
	DonglanTown   = "451224100000" // 东兰镇
	Xinyan        = "451224100201" // 东兰镇 新烟村委会
	Bala          = "451224100202" // 东兰镇 巴拉村委会
	ChangleTown   = "451224102000" // 长乐镇
	Changle       = "451224102201" // 长乐镇 长乐村委会
	Fengshan      = "451223000000" // 凤山县
	FengchengTown = "451223100000" // 凤山县 凤城镇
	Bapang        = "451223100202" // 凤城镇 巴旁村委会
)

// Areas is the fixture, parents before children.
var Areas = []*tuopin.Area{
	{Code: Guangxi, Name: "广西壮族自治区", Level: tuopin.LevelProvince},
	{Code: Hechi, Name: "河池市", Level: tuopin.LevelCity, ParentCode: Guangxi},
	{Code: Fengshan, Name: "凤山县", Level: tuopin.LevelCounty, ParentCode: Hechi},
	{Code: FengchengTown, Name: "凤城镇", Level: tuopin.LevelTownship, ParentCode: Fengshan},
	{Code: Bapang, Name: "巴旁村委会", Level: tuopin.LevelVillage, ParentCode: FengchengTown},
	{Code: Donglan, Name: "东兰县", Level: tuopin.LevelCounty, ParentCode: Hechi},
	{Code: DonglanTown, Name: "东兰镇", Level: tuopin.LevelTownship, ParentCode: Donglan},
	{Code: Xinyan, Name: "新烟村委会", Level: tuopin.LevelVillage, ParentCode: DonglanTown},
	{Code: Bala, Name: "巴拉村委会", Level: tuopin.LevelVillage, ParentCode: DonglanTown},
	{Code: ChangleTown, Name: "长乐镇", Level: tuopin.LevelTownship, ParentCode: Donglan},
	{Code: Changle, Name: "长乐村委会", Level: tuopin.LevelVillage, ParentCode: ChangleTown},
}

// MustLoadAreas loads the fixture areas, acting as tuopin.SystemUser.
func MustLoadAreas(tb testing.TB, db *sqldb.DB) {
	tb.Helper()
	areas := make([]*tuopin.Area, len(Areas))
	for i, a := range Areas {
		c := *a
		areas[i] = &c
	}
	if err := sqldb.NewAreaService(db).UpsertAreas(Ctx(tuopin.SystemUser), areas); err != nil {
		tb.Fatalf("load areas: %v", err)
	}
}

var userSeq atomic.Int64

// MustCreateUser stores a user with a role and scope, created by
// tuopin.SystemUser, with password "password123", and returns it.
func MustCreateUser(tb testing.TB, db *sqldb.DB, role tuopin.Role, scope string) *tuopin.User {
	tb.Helper()
	u := &tuopin.User{
		Username: fmt.Sprintf("%s%d", role, userSeq.Add(1)),
		Name:     "测试 " + string(role),
		Role:     role,
		Scope:    scope,
	}
	if err := sqldb.NewUserService(db).CreateUser(Ctx(tuopin.SystemUser), u, "password123"); err != nil {
		tb.Fatalf("create user: %v", err)
	}
	return u
}

// IDNumber returns a valid 18-character ID number (GB 11643) for an area
// (6 digits), a birth date "YYYYMMDD" and a sequence number 0–999; odd
// sequence numbers are men.
func IDNumber(area6, birth string, seq int) string {
	s := area6 + birth + fmt.Sprintf("%03d", seq%1000)
	return s + string(tuopin.IDCheckChar(s))
}

// NewHousehold returns a valid household of year 2024 with a head and a
// spouse, status 未脱贫, in a village; n ≥ 0 makes its number unique in
// the village and its ID numbers unique in the county.
func NewHousehold(village string, n int) *tuopin.Household {
	day := time.Duration(n/500) * 24 * time.Hour
	head := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(day).Format("20060102")
	spouse := time.Date(1972, 2, 2, 0, 0, 0, 0, time.UTC).Add(day).Format("20060102")
	seq := n % 500
	return &tuopin.Household{
		Year:            2024,
		Number:          village + fmt.Sprintf("%04d", n),
		AreaCode:        village,
		Attribute:       "01",
		MainCause:       "01",
		IncomePerCapita: 350000,
		Status:          tuopin.StatusPoor,
		Members: []*tuopin.Member{
			{Name: "韦" + strconv.Itoa(n), IDNumber: IDNumber(village[:6], head, 2*seq+1), Relation: tuopin.RelationHead},
			{Name: "黄" + strconv.Itoa(n), IDNumber: IDNumber(village[:6], spouse, 2*seq), Relation: "02"},
		},
	}
}

// MustCreateHousehold stores h acting as tuopin.SystemUser and returns it.
func MustCreateHousehold(tb testing.TB, db *sqldb.DB, h *tuopin.Household) *tuopin.Household {
	tb.Helper()
	if err := sqldb.NewHouseholdService(db).CreateHousehold(Ctx(tuopin.SystemUser), h, "fixture"); err != nil {
		tb.Fatalf("create household: %v", err)
	}
	return h
}
