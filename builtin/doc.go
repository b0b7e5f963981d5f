// Package builtin registers pasteserve's built-in factories in
// factory.Default: the filters of package filters, the apps and
// composites of package apps, and the token filters of package
// tokenauth, each under its Go name (egg:pasteserve#NAME) and under every
// Python reference real paste files use for it, so an unchanged
// api-paste.ini builds:
//
//	[filter:request_id]
//	paste.filter_factory = oslo_middleware:RequestId.factory
//
// Importing it, even blank, registers them all; the pasteserve command
// and any custom binary that serves paste files do:
//
//	import _ "github.com/pasteserve/pasteserve/builtin"
//
// The packages of the filters and apps register nothing themselves, so
// a Go program that uses one built-in as plain middleware
// (filters.NewCORS) links that filter and what it needs, and no
// registry.
//
// Each file here registers the factories of one file of those packages
// (filters_cors.go those of filters/cors.go): the paste adapter (see
// factory.FilterOf), its references and its one-line Doc. The option
// table of a converted factory comes from its options struct, and the
// option groups it reads are collected by factory.Registry.Groups.
package builtin
