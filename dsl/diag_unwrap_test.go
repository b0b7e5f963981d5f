package dsl

import (
	"errors"
	"io/fs"
	"testing"
)

// What went wrong, as a value, is found through a Diagnostics with
// errors.Is and errors.As; the messages stay as they are.
func TestDiagnosticsUnwrap(t *testing.T) {
	var ds Diagnostics
	ds.Errorf(Pos{Filename: "a.ini", Line: 1, Column: 1}, "first")
	d := ds.Errorf(Pos{Filename: "a.ini", Line: 2, Column: 1}, "cannot open it")
	d.Err = fs.ErrNotExist
	var err error = ds
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is does not find the cause of the second diagnostic")
	}
	var got *Diagnostic
	if !errors.As(err, &got) || got.Msg != "first" {
		t.Errorf("errors.As finds %v, want the first diagnostic", got)
	}
	if errors.Is(Diagnostics{{Msg: "x"}}, fs.ErrNotExist) {
		t.Errorf("a diagnostic without a cause matches")
	}
	if err.Error() != "a.ini:1:1: first\na.ini:2:1: cannot open it" {
		t.Errorf("message %q", err.Error())
	}
}
