package factory

// BuiltinKey and ObjectTypeOf let the external tests generate builtin.txt.
var (
	BuiltinKey   = builtinKey
	ObjectTypeOf = objectTypeOf
)
