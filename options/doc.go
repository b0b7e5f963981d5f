// Package options is pasteserve's one decoder of configuration: it fills
// a Go struct of options from a paste section (its local_conf), the
// option groups a server hands over in global_conf, and the defaults the
// struct already holds, and reports every problem at once, each at the
// file:line:col it is about.
//
// A factory's options are a plain struct, usable from Go with no paste
// file at all. Struct tags say how a paste file names each field:
//
//	type CORSOptions struct {
//		AllowedOrigin    []string `paste:"allowed_origin,group=cors,doc=origins scheme://host[:port], or *"`
//		AllowCredentials bool     `paste:"allow_credentials,group=cors,doc=send Access-Control-Allow-Credentials: true"`
//		MaxAge           int      `paste:"max_age,group=cors,min=0,doc=seconds a preflight answer may be cached"`
//	}
//
//	func DefaultCORSOptions() CORSOptions {
//		return CORSOptions{AllowCredentials: true, MaxAge: 3600}
//	}
//
// and the paste side of the factory is
//
//	o := DefaultCORSOptions()
//	ds := options.Decode(sec, &o) // errors and warnings, sorted
//	warnings = append(warnings, ds...)
//	if err := ds.Err(); err != nil {
//		return nil, err
//	}
//	h, err := NewCORS(o)
//	return h, options.Diagnose(sec, &o, err).Err()
//
// # Defaults
//
// Defaults are not in tags. Decode sets only the fields whose keys are
// given and leaves every other field as dst holds it, so the caller
// passes the defaults in: the zero value, or a documented DefaultXxx
// function that Go callers use too. Go callers and paste files then get
// the same defaults, and Describe prints them from that same value.
//
// # The tag
//
// One tag key, paste, holds a comma-separated list: the option's name
// first, then flags and key=value items in any order, doc last.
//
//	name            the key in the paste section: "allowed_origin"
//	alias=NAME      another name the option answers to, silently
//	deprecated=NAME an older name: accepted, with a warning to use name
//	group=GROUP     also read global_conf key "GROUP.name" (see Groups)
//	required        the key must be given and not empty; the error
//	                reads "is required: DOC", so doc says what it is for
//	enum=a|b|c      the value must be one of these (any case; the field
//	                gets the spelling of the tag)
//	path            a relative path in the section is joined to
//	                Section.Here, the paste file's directory, as
//	                %(here)s would be; one from global_conf (a service's
//	                config file) is left as written, as oslo.config
//	                leaves it
//	min=N, max=N    bounds of a number or a duration, inclusive (a
//	                duration's written as its values are: 30, 0.5, 1m)
//	doc=TEXT        one line for option tables; it takes the rest of the
//	                tag, commas included, so it comes last
//
// alias, deprecated and enum take several values separated by '|', and
// alias and deprecated may also be repeated. A tag of "-" leaves the
// field out. A field without a paste tag is not an option (a Go-only
// setting: a logger, a clock), except a struct, which is flattened (see
// below).
//
// A malformed tag (an unknown item, a flag on a type it does not fit,
// two options of one name, a default= item) is a programming error, and
// never a panic: Decode reports each as an error at the section, and
// Describe, Groups and Unknown return them all (errors.Join of one
// *TagError each, naming the Go type and field). A test that describes
// every registered factory's options finds them all.
//
// # Types
//
// A field may be a string (or a named string type), a bool, any int,
// uint or float kind, a time.Duration, a type whose pointer implements
// encoding.TextUnmarshaler (netip.Prefix, a type of the factory's own),
// a slice of any of these (a list), or a pointer to one of the scalar
// types, which Decode allocates when the key is given: a nil pointer
// means "not set", for options whose absence means something else than
// any value.
//
//	string     as written (configparser has already stripped it)
//	bool       PasteDeploy's asbool words: true, yes, on, y, t, 1 and
//	           false, no, off, n, f, 0, in any case (ParseBool)
//	int, uint  a decimal whole number
//	float      a decimal number
//	Duration   a number of seconds ("30", "0.5"), the unit OpenStack's
//	           options use, or a Go duration ("1m30s") (ParseDuration)
//	[]T        items split on commas and white space, empty items
//	           dropped: "a b", "a, b" and "a,b" are all [a b] (SplitList);
//	           each item is decoded as a T. A list given empty is empty.
//	TextUnmarshaler  UnmarshalText gets the value as written; its error
//	           is the message
//
// # Where a value comes from
//
// For each option Decode looks in the section for its name, then its
// aliases, then its deprecated names; then, when the option has a group,
// for the same names under "GROUP." in global_conf. The first found wins:
// any name in the section beats every name in the group, as oslo's
// middleware lets paste options override the service's configuration
// files. That is how an oslo.config option group ([cors],
// [keystone_authtoken], [oslo_middleware], [healthcheck], or a plugin's
// own) reaches a factory: the server hands the groups that registered
// factories read (Groups) to the paste file as global_conf keys.
//
// # Errors
//
// Every problem is a *dsl.Diagnostic: at the key in the section, or, for
// a value from global_conf, at Section.GlobalPos of that key when the
// caller knows it and else at the section, with the message then saying
// "(from global_conf GROUP.name)". A missing required option is an error
// at the section. Messages read "[filter:cors] max_age: "soon" is not a
// whole number", and quote no secret: the value of a key that names a
// secret (redact.Secret) is printed as redact.Mask, and every secret
// value of the section and of global_conf is masked wherever a message
// holds it, as redact.Secrets.Text masks. Decode returns all of them,
// sorted by position, and warnings (a deprecated name used) among them;
// Diagnostics.Err is nil when there are only warnings.
//
// Checks that need more than one field, or the meaning of a value, go in
// a Validate method (see Validator), which Decode calls and which a Go
// constructor calls too; Errorf names the option an error is about, and
// Diagnose places such errors (from Validate, or from a constructor) at
// the keys they are about.
//
// Unknown keys are not errors: a paste section carries keys for other
// readers. A factory that wants to warn about typos asks Unknown.
//
// # Nested option sets
//
// A struct field without a tag (embedded or not) is flattened: its
// options are the outer struct's, so a set shared by several factories
// (the token filters' common options) is one struct type. A struct field
// whose tag is only ",group=GROUP" gives the options inside it that group
// unless they name their own.
package options
