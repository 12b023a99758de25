// Package jobs runs tuopin's durable background jobs. Its first and, so
// far, only kind is the spreadsheet import (tuopin.ImportService): a file
// uploaded through the web page, the API or `tuopin import` becomes an
// import_jobs row that outlives the request and the process, and a Runner
// executes its two steps, the dry run and the commit.
//
// # The import policy
//
// Nothing is half-written. The dry run streams the file through the
// spreadsheet decoder and checks every household exactly as the commit
// will (tuopin.HouseholdImporter.CheckImport): fields and code tables, the
// village and the user's scope, ID numbers clashing within the file or
// with other households of the year, a closed year, a status that differs
// from the registry's. It writes nothing but the job's counts and a
// report (.xlsx) of every refused row: row number, column, value and
// reason. The commit streams the file again and writes it in ONE
// transaction, in batches of BatchSize households, with progress after
// each batch:
//
//   - all_or_nothing: the first refused row rolls the transaction back;
//     the rest of the file is still checked so that the report is
//     complete, and the job fails saying that nothing was written;
//   - skip_refused: refused households are left out and listed, the rest
//     goes in.
//
// A household is refused whole when any of its rows is, and its other
// rows are listed in the report too ("not imported: another row of this
// household was refused"), so that every row of the file is either
// imported or listed. A cancel, an error or a crash rolls the commit
// back: the file is in whole, or not at all.
//
// Re-importing a file is idempotent: households are matched by year and
// household number and updated to the file's state, members by ID number;
// a household the file does not change is not touched (no new version, no
// audit entry). Columns the file does not have keep their stored values.
//
// Cross-county ID clashes of refused households are filed in the duplicate
// review queue at commit (tuopin.IDClashReviewer), naming both records.
//
// # Memory
//
// Memory stays flat in the size of the file: the decoder streams rows and
// holds, per household, 12 bytes to group rows that are not adjacent; the
// runner holds one batch of households, a 12-byte entry per member to find
// ID numbers given twice in the file (a 64-bit hash and a row number), and
// the first ImportPreviewRows refused rows. The report is streamed to disk
// by excelize's stream writer.
//
// # Durability and restarts
//
// A job's state is its import_jobs row; the uploaded file and the report
// lie in Config.Dir, named after the job's ID. A running job's live
// progress is kept in memory and shown by FindImportByID; the row is
// written when a step starts and ends (on SQLite a commit holds the only
// writer, so nothing else may be written meanwhile). Each Runner has a
// worker name and renews a heartbeat of its jobs; when a Runner starts, it
// takes over the jobs whose heartbeat has gone stale (their process
// stopped): a dry run, which writes nothing, is started again; a commit
// that was under way is marked failed (“interrupted”: its transaction was
// rolled back with the process, nothing was written) and can be run again
// by the user; a commit that had not started yet is queued again.
//
// Commits run one at a time per process; dry runs run Config.Workers at a
// time.
package jobs
