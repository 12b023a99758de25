// Package xlsx is tuopin's spreadsheet layer: it reads the files a county
// office really has (the national system's .xls exports, townships'
// .xlsx, CSV saved by WPS in GBK) into households and members, saying
// exactly what is wrong with every bad row, and writes households back
// to .xlsx and CSV. It works over io.ReaderAt and io.Writer only: no
// database, no HTTP. The import job (batches, progress, commit policy)
// and the UI belong to the app, which calls this package.
//
// # Reading
//
// Open detects the format from the first bytes, never from the file name:
// a zip archive is an .xlsx, an OLE2 compound file an .xls, anything else
// CSV text. A CSV file's encoding is a UTF-8 byte-order mark, else UTF-8
// when the whole file is valid UTF-8, else GB18030 (the superset of GBK);
// OpenOptions.Encoding forces one, and Workbook.Encoding reports what was
// used. Workbook.Rows streams a sheet as Rows of Cells with the row
// numbers the spreadsheet program shows. A Cell carries the displayed text
// and, for numbers, the stored value and whether its format is a date, so
// that a date serial and an 18-digit number mangled by Excel can be told
// from text.
//
// Memory stays flat in the size of the sheet: cells are streamed and
// never kept; what is held is the shared string table of a workbook, in
// one compact arena, and for grouping a 12-byte entry per household (see
// HouseholdDecoder).
//
// The .xlsx reader is this package's own streaming reader over
// archive/zip and encoding/xml rather than excelize's Rows, for three
// reasons: Rows returns only strings (no cell type or number format, so a
// number stored in a text column and a date serial cannot be judged), it
// reads the whole file into memory first (excelize.OpenReader calls
// io.ReadAll), and merged ranges can only be had from it by loading the
// whole worksheet. excelize writes every .xlsx of the package (exports,
// error reports) and builds the test fixtures.
//
// The .xls reader decodes BIFF8 records itself, over the OLE2 container
// reader github.com/richardlehane/mscfb (maintained, v1.0.9 of 2026, also
// the container layer of the other Go .xls readers). The .xls readers the
// Go module proxy offers were tried on the real templates of
// shared/data/templates: github.com/extrame/xls v0.0.1 (2017) and
// github.com/shakinm/xlsReader v0.9.12 (2022) both read the cell texts,
// but neither is maintained, neither reads merged ranges (MERGECELLS),
// which the multi-row headers of the national and provincial templates
// are made of, and both load a whole sheet into memory. The BIFF8 layer
// here reads the shared strings (with strings split across CONTINUE
// records), XF and FORMAT records (to tell dates), the 1904 flag, sheet
// offsets, LABELSST/LABEL/NUMBER/RK/MULRK/BOOLERR/FORMULA(+STRING) cells
// and MERGECELLS, and streams a sheet record by record. Its test compares
// every header cell and merged span of nine real templates with
// template_cells.csv, made independently.
//
// # Header recognition and mappings
//
// RecognizeHeader (DetectHeader over rows already read) finds the header
// block in the first HeaderScanRows rows: the anchor row names the most
// KnownFields; the block grows up over merged parent headers and down
// over rows that merged header cells reach into, up to HeaderMaxRows
// rows; a title row (one text across the sheet) above it is skipped.
// Each column gets its header path through the merged ranges
// ("家庭年收入情况(元) / 其中 / 务工收入"); header texts are normalised
// (NormalizeHeader: full-width to half-width, spaces, "*" required marks,
// bracket variants, "1." and "(一)" numbering) and matched leaf first
// against each field's national name and aliases. The result is a
// Mapping: per column its header, field and status, stored (a field of
// tuopin.Household or tuopin.Member, or of the national field set kept in
// their Details), not_stored (recognised, such as 年龄 or 劳动力状况, read
// but not kept by the registry) or unmapped. Every field of the catalogs
// tuopin.HouseholdFieldDefs and MemberFieldDefs is a stored KnownField
// under its catalog key, recognised by its catalog label with or without
// the unit ("工资性收入") or a leading "其中：", and by the names real files
// use (是否危房, 帮扶人姓名, 承包耕地面积(亩) …). A Mapping is JSON, carries a Fingerprint of the normalised
// header texts for the app to remember the user's confirmed mapping per
// source, and Mapping.Check validates an edited one (required fields, no
// field twice) with tuopin field errors.
//
// # Decoding households
//
// A HouseholdDecoder reads a member-per-row sheet (the national
// 47-column member export and its provincial variants: household columns
// repeated on member rows, or given on the first row of the household
// only) and returns one *tuopin.Household at a time, with its members in
// row order, and the RowErrors of its rows. Rows are grouped by 户编号,
// also when a household's rows are not adjacent: by default the decoder
// reads the sheet twice, first noting each household's last row, and
// hands a household out when that row is read; DecodeOptions.Sorted reads
// once for files sorted by 户编号. Blank rows are skipped. Decoding never
// stops at a bad row.
//
// Every cell is normalised on the way: full-width digits and letters and
// every kind of space (U+3000, NBSP, zero-width) are folded; names are
// trimmed; dates are read from Excel serials (1900 system with its
// phantom 1900-02-29, or 1904) and from 1985-03-12, 1985-3-12,
// 1985/03/12, 1985.03.12, 19850312 and 1985年3月12日; amounts from
// "3,146.50" and "3146.5元"; codes from codes or labels through a
// tuopin.CodeSet (户主, 之子, 男, 一般贫困户, 因病, 未脱贫(享受政策) with or
// without brackets, and common variants such as 儿子 or 缺劳动力). An ID
// number that Excel stored as a number is refused with a message saying
// so: its last digits are gone (Excel keeps 15 significant digits), and
// only re-entering the column as text brings them back.
//
// The national field set is read into Household.Details and
// Member.Details in canonical form (see tuopin.FieldDef): codes and code
// lists by code or label (a list split on 、，,; or spaces: "因病、因残"),
// yes/no also as Y/N, 1/0, √/×, TRUE/FALSE, 有/无; numbers with their unit
// ("3.5亩", "6个月"); a year column also from a date; "/" and "-" as not
// recorded. Household details, like the core household fields, must agree
// across the rows of a household; a 转移性收入 must equal the sum of the
// parts the file gives beside it. The household is then checked with
// tuopin's Household.Validate, and each field error, including
// "details.<key>" and "members[i].details.<key>" (a part larger than its
// whole, 文化程度 beside 在校生状况), is placed on its row and column.
//
// A RowError names the row, the column (letter and header), the field,
// the value as the user sees it, the household number, a stable Code (this
// package's Code constants or tuopin's validation codes) and the reason in
// English and in Chinese, so that the UI can show it as is or translate
// the code. ErrorReportWriter writes them to an .xlsx for download.
//
// # Writing
//
// NewHouseholdEncoder writes households to .xlsx (excelize's
// StreamWriter: a styled, frozen header row, column widths, ID numbers
// and codes as text cells, dates as dates, amounts as numbers) or to CSV
// (UTF-8 with a byte-order mark so that Excel reads it, or GBK), in the
// national layout (the 47 columns with national names and codes and the
// member details filled, the member details the 47 lack, then the
// household columns the registry keeps, every household detail among
// them, titled by the catalog) or a readable one (labels instead of codes,
// the details after the core fields of the household and of the member).
// Everything the encoder writes, the decoder reads back as the same
// households, details included.
package xlsx
