package sqldb_test

import (
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestAuditCompression checks that migration 9 gave the audit log's
// records lz4 compression on PostgreSQL (this server has lz4), and that the
// chain still verifies over entries large enough to be compressed.
func TestAuditCompression(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		if db.Dialect() != sqldb.DialectPostgres {
			t.Skip("PostgreSQL only: SQLite does not compress")
		}
		n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM pg_attribute
			WHERE attrelid = 'audit_log'::regclass AND attname IN ('before', 'after') AND attcompression = 'l'`)
		must(t, err)
		if n != 2 {
			t.Fatalf("%d of the 2 audit record columns use lz4", n)
		}
		w := newWorld(t, db)
		h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		h.Details = fullDetails(tuopin.HouseholdFieldDefs, h.Year)
		must(t, w.hh.CreateHousehold(sqldbtest.Ctx(w.county), h, "a large record"))
		rep, err := w.audit.VerifyAuditChain(ctxSystem)
		must(t, err)
		if !rep.OK || rep.Entries == 0 {
			t.Fatalf("chain: %+v", rep)
		}
	})
}
