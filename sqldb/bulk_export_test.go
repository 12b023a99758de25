package sqldb

// SetBulkMin sets the batch size from which CreateHouseholds takes the
// bulk path and returns a function that restores it.
func SetBulkMin(n int) func() {
	old := bulkMinHouseholds
	bulkMinHouseholds = n
	return func() { bulkMinHouseholds = old }
}

// SetBulkIDs chooses the PostgreSQL bulk path's way to IDs ("reserve" or
// "staging") and returns a function that restores it.
func SetBulkIDs(mode string) func() {
	old := bulkIDs
	bulkIDs = mode
	return func() { bulkIDs = old }
}

// SetCopyMinRows sets the row count from which PostgreSQL writes roll-up
// rows and audit entries by COPY, and returns a function that restores it.
func SetCopyMinRows(n int) func() {
	old := copyMinRows
	copyMinRows = n
	return func() { copyMinRows = old }
}

// SetRollupWorkers sets how many cities a PostgreSQL recomputation works
// on at once (1: in turn, in its own transaction), and returns a function
// that restores it.
func SetRollupWorkers(n int) func() {
	old := rollupWorkers
	rollupWorkers = n
	return func() { rollupWorkers = old }
}

// CreatedFields exposes createdFields for its test.
var CreatedFields = createdFields
