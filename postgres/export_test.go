package postgres

// Migrations exposes the embedded schema to the tests, which migrate
// template databases with it.
var Migrations = migrations
