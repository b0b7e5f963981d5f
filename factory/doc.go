// Package factory is the registry of the Go factories that paste files
// name. A Factory says what it makes (an app, a composite or a filter),
// the references it answers to (egg:pasteserve#NAME and the Python
// references it stands for, such as egg:Paste#urlmap or
// oslo_middleware:RequestId.factory), and the function that makes the
// object from a Config: the section's configuration, as PasteDeploy's
// local_conf and global_conf, with typed accessors.
//
// Built-ins and plugins register into Default from init functions, as
// database/sql drivers do. Resolution (package resolve) asks the registry
// which references are composites and which of their keys name children;
// the build (package build) calls the factories. Filters are
// func(http.Handler) http.Handler, the shape of chi and alice middleware,
// and apps are http.Handlers.
package factory
