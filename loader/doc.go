// Package loader loads a paste-deploy file, once. Open reads and parses
// the file (and, as resolution reaches them, the files it includes with
// config: URIs) into a Set, and everything a program asks of the file is
// answered from that one parse: the settings of a [server:] section
// (Set.Server), the app to serve (Set.Build), whether it builds
// (Set.Check), any other object (Set.Resolver). A reload is a new Set.
// Load is Open and Build in one call.
//
// The steps are packages of their own: plan is the resolved plan, pure
// data; factory the registry of factories; resolve PasteDeploy's meaning,
// files to a plan; build a plan to an http.Handler; graph printing plans.
package loader
