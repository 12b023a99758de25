package tuopin_test

import (
	"context"
	"testing"

	"github.com/tuopin/tuopin"
)

func TestUserValidate(t *testing.T) {
	ok := &tuopin.User{Username: "wei.clerk", Name: "韦文", Role: tuopin.RoleTownshipClerk, Scope: "451224102"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		u     tuopin.User
		field string
	}{
		{"ErrUsername", tuopin.User{Username: "A B", Name: "x", Role: tuopin.RoleViewer, Scope: "45"}, "username"},
		{"ErrRole", tuopin.User{Username: "abc", Name: "x", Role: "boss", Scope: "45"}, "role"},
		{"ErrScope", tuopin.User{Username: "abc", Name: "x", Role: tuopin.RoleViewer, Scope: "4512241"}, "scope"},
		{"ErrNationScope", tuopin.User{Username: "abc", Name: "x", Role: tuopin.RoleCountyAdmin, Scope: ""}, "scope"},
		{"ErrName", tuopin.User{Username: "abc", Role: tuopin.RoleViewer, Scope: "45"}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tuopin.ErrorFields(tc.u.Validate())[tc.field]; !ok {
				t.Fatalf("no error on %s: %v", tc.field, tc.u.Validate())
			}
		})
	}
}

func TestCanManage(t *testing.T) {
	county := &tuopin.User{Role: tuopin.RoleCountyAdmin, Scope: "451224"}
	for _, tc := range []struct {
		target tuopin.User
		want   bool
	}{
		{tuopin.User{Role: tuopin.RoleVillageSecretary, Scope: "451224102203"}, true},
		{tuopin.User{Role: tuopin.RoleViewer, Scope: "451224"}, true},
		{tuopin.User{Role: tuopin.RoleCountyAdmin, Scope: "451224"}, false}, // peers: no
		{tuopin.User{Role: tuopin.RoleAdmin, Scope: ""}, false},
		{tuopin.User{Role: tuopin.RoleTownshipClerk, Scope: "620503100"}, false}, // other county
	} {
		if got := county.CanManage(&tc.target); got != tc.want {
			t.Errorf("county admin manages %+v = %v, want %v", tc.target, got, tc.want)
		}
	}
	clerk := &tuopin.User{Role: tuopin.RoleTownshipClerk, Scope: "451224102"}
	if clerk.CanManage(&tuopin.User{Role: tuopin.RoleViewer, Scope: "451224102203"}) {
		t.Error("township clerk may manage users")
	}
	if !tuopin.SystemUser.CanManage(&tuopin.User{Role: tuopin.RoleAdmin}) {
		t.Error("system may not manage admins")
	}
}

func TestScopeContext(t *testing.T) {
	ctx := context.Background()
	if tuopin.InScope(ctx, "451224102203") {
		t.Fatal("anonymous context in scope")
	}
	ctx = tuopin.NewContextWithUser(ctx, &tuopin.User{Role: tuopin.RoleTownshipClerk, Scope: "451224102"})
	if !tuopin.InScope(ctx, "451224102203") || tuopin.InScope(ctx, "451224103001") {
		t.Fatal("scope not applied")
	}
}

func TestValidatePassword(t *testing.T) {
	if tuopin.ValidatePassword("短密码") == nil || tuopin.ValidatePassword("long enough") != nil {
		t.Fatal("password rules wrong")
	}
}
