package sqldb

import (
	"context"

	"github.com/tuopin/tuopin"
)

// FileIDReview files a review in a transaction of its own, as an import
// does inside its batch's.
func (db *DB) FileIDReview(ctx context.Context, r *tuopin.IDReview) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fileIDReview(ctx, tx, r); err != nil {
		return err
	}
	return tx.Commit()
}
