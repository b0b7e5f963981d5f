// Package graph prints plans (package plan): as an indented tree with
// each object's section, factory, source position and configuration
// (WriteText), as JSON (JSON), on one line (Expr), and as pictures for
// Graphviz (WriteDot) and Mermaid (WriteMermaid). These are the formats
// of pasteserve graph, and WriteText's is that of the golden plans of
// package pastetest.
//
// Configuration values are printed as package redact masks them unless
// Options.ShowSecrets says otherwise; Expr and the pictures print no
// values at all.
package graph
