package filters_test

// The tests of package filters build paste files, whose factories package
// builtin registers. An external test file can import it (builtin
// imports filters), and it is linked into the same test binary, so the
// package's own tests find every built-in in factory.Default.
import _ "github.com/pasteserve/pasteserve/builtin"
