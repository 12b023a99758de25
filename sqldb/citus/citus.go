// Package citus holds the plan for running tuopin's PostgreSQL schema on
// Citus, distributed by county (docs/citus.md): prepare.sql, the schema
// changes that come first, and distribute.sql, the placement of every
// table. Layout reads the placement back for the tests that keep both
// files true to the schema.
package citus

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

// PrepareSQL is prepare.sql: plain PostgreSQL DDL that adds the
// distribution columns and rebuilds the keys that must include them.
//
//go:embed prepare.sql
var PrepareSQL string

// DistributeSQL is distribute.sql: the create_reference_table and
// create_distributed_table calls.
//
//go:embed distribute.sql
var DistributeSQL string

// Table is the placement of one table.
type Table struct {
	Name string
	// Kind is "distributed", "reference" or "local" (left on the
	// coordinator).
	Kind string
	// Column is the distribution column of a distributed table.
	Column string
	// ColocateWith is the table named by colocate_with ("" when not
	// given, "none" for a group of its own).
	ColocateWith string
}

var (
	reference   = regexp.MustCompile(`^SELECT create_reference_table\('(\w+)'\);$`)
	distributed = regexp.MustCompile(`^SELECT create_distributed_table\('(\w+)', '(\w+)'(?:, shard_count => \d+)?(?:, colocate_with => '(\w+)')?\);$`)
)

// Layout reads the placement of the tables from distribute.sql, in file
// order. Every line that is not blank or a comment must be one of the two
// calls; "-- local: a b c" lists the coordinator-local tables.
func Layout() ([]Table, error) {
	var out []Table
	for i, line := range strings.Split(DistributeSQL, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "-- local:"):
			for _, name := range strings.Fields(strings.TrimPrefix(line, "-- local:")) {
				out = append(out, Table{Name: name, Kind: "local"})
			}
		case strings.HasPrefix(line, "--"):
		default:
			if m := reference.FindStringSubmatch(line); m != nil {
				out = append(out, Table{Name: m[1], Kind: "reference"})
			} else if m := distributed.FindStringSubmatch(line); m != nil {
				out = append(out, Table{Name: m[1], Kind: "distributed", Column: m[2], ColocateWith: m[3]})
			} else {
				return nil, fmt.Errorf("distribute.sql:%d: not a placement this package reads: %s", i+1, line)
			}
		}
	}
	return out, nil
}

// ColocationGroups returns, for each distributed table, the first table
// of its co-location group: the table it is co-located with, followed
// through the chain (a table without colocate_with, or with "none",
// starts a group).
func ColocationGroups(tables []Table) map[string]string {
	with := map[string]string{}
	for _, t := range tables {
		if t.Kind == "distributed" {
			with[t.Name] = t.ColocateWith
		}
	}
	out := map[string]string{}
	for name := range with {
		root := name
		for seen := 0; with[root] != "" && with[root] != "none" && seen < len(with); seen++ {
			root = with[root]
		}
		out[name] = root
	}
	return out
}
