// Package factory is the registry of the Go factories that paste files
// name. A Factory says what it makes (an app, a composite or a filter),
// the references it answers to (egg:NAMESPACE#NAME and the Python
// references it stands for, such as egg:Paste#urlmap or
// oslo_middleware:RequestId.factory), and the function that makes the
// object from a Config: the section's configuration, as PasteDeploy's
// local_conf and global_conf.
//
// A factory is usually the paste side of a Go constructor, made by
// FilterOf, AppOf or CompositeOf: the section is decoded into the
// constructor's options struct by package options (its paste tags say
// each option's name, group, type and doc), the constructor is called,
// and its errors are placed at the keys they are about. Such a factory
// also carries its option table (Factory.Options, for pasteserve
// factories --options NAME) and the option groups it reads
// (Factory.Groups), which the registry collects (Registry.Groups) so
// that a server hands exactly those groups of its config files to the
// paste file.
//
// Built-ins and plugins register into Default from init functions, as
// database/sql drivers and Caddy modules do. Package builtin registers
// pasteserve's own, under the namespace pasteserve (egg:pasteserve#cors);
// any other package's factories answer under its import path
// (egg:example.com/mycompany/stamp#stamp), or a namespace it chooses, so
// that a plugin never clashes with a built-in. Resolution (package
// resolve) asks the registry which references are composites and which
// of their keys name children; the build (package build) calls the
// factories. Filters are func(http.Handler) http.Handler, the shape of
// chi and alice middleware, and apps are http.Handlers.
package factory
