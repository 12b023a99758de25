// Package tuopin holds the domain of a poverty-alleviation campaign platform:
// areas (the national statistical division hierarchy), users with a role and
// an area scope, households and their members as registered each year
// (建档立卡), and the tamper-evident audit log.
//
// The root package has no dependency on storage, HTTP or file formats. It
// defines the entity types with their validation, the service interfaces that
// the sqldb package implements and the http package consumes, the
// application error type with its small set of codes, and the context helpers
// that carry the acting user (and so the access scope) through every call.
//
// The hierarchy is the code: a 12-digit division code such as 451224102203
// names a village; its prefixes 45, 4512, 451224 and 451224102 name its
// province, city, county and township. A user's scope is such a prefix, and
// every listing carries it as a range predicate on the code.
package tuopin
