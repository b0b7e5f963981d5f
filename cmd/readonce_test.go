package pasteservecmd

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// pasteOnce makes a named pipe at dir/name that gives src to the first
// program that opens it, and returns its path and the count of opens:
// a second open finds no writer and blocks. pasteserve reads a paste file
// once per load, so a command given this file either finishes having
// opened it once, or hangs in its second open; run finishes such a
// command, feeding each further open, and says how many there were.
func pasteOnce(t *testing.T, dir, name, src string) (path string, run func(args ...string) (code int, stdout, stderr string, opens int32)) {
	t.Helper()
	path = filepath.Join(dir, name)
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	var opens atomic.Int32
	feed := func(f *os.File) {
		opens.Add(1)
		f.WriteString(src)
		f.Close()
	}
	first := make(chan struct{})
	go func() {
		defer close(first)
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil { // blocks until a reader opens it
			feed(f)
		}
	}()
	t.Cleanup(func() {
		// Release the first writer if nothing ever opened the pipe.
		if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			<-first
			r.Close()
		}
	})
	run = func(args ...string) (int, string, string, int32) {
		t.Helper()
		type result struct {
			code        int
			out, errOut string
		}
		done := make(chan result, 1)
		go func() {
			code, out, errOut := runCLI(t, args...)
			done <- result{code, out, errOut}
		}()
		select {
		case r := <-done:
			return r.code, r.out, r.errOut, opens.Load()
		case <-time.After(10 * time.Second):
		}
		// Blocked in a further open: feed every one until it finishes.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case r := <-done:
				return r.code, r.out, r.errOut, opens.Load()
			default:
			}
			if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				feed(f)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("pasteserve %s did not finish", strings.Join(args, " "))
		return 0, "", "", 0
	}
	return path, run
}

// check and graph read the paste file once: check's server settings,
// its parse, the entry points it looks for in a file without main and
// the apps it checks all come from one load, and graph resolves from the
// load that read the config files' settings. check once parsed the file
// again for itself, and resolved it afresh for each app section.
func TestCommandsReadThePasteFileOnce(t *testing.T) {
	const apps = "[app:a]\nuse = egg:pasteserve#echo\n[pipeline:b]\npipeline = request_id a\n[filter:request_id]\nuse = egg:oslo.middleware#request_id\n"
	for _, tc := range []struct {
		name, src string
		args      func(path string) []string
		code      int
		want      string
	}{
		{"check", "[composite:main]\nuse = egg:Paste#urlmap\n/ = b\n" + apps,
			func(path string) []string { return []string{"check", "--paste", path} }, 0, "no errors, 0 warning(s)"},
		{"check without main", apps,
			func(path string) []string { return []string{"check", "--paste", path} }, 1, "serve it with --name b"},
		{"graph", "[pipeline:main]\npipeline = request_id a\n" + apps,
			func(path string) []string {
				conf := filepath.Join(filepath.Dir(path), "service.conf")
				if err := os.WriteFile(conf, []byte("[DEFAULT]\napi_paste_config = api.ini\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return []string{"graph", "--config-file", conf, "--format", "expr"}
			}, 0, "egg:oslo.middleware#request_id(egg:pasteserve#echo)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, run := pasteOnce(t, t.TempDir(), "api.ini", tc.src)
			code, out, errOut, opens := run(tc.args(path)...)
			if opens != 1 {
				t.Errorf("the paste file was opened %d times, want once", opens)
			}
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tc.code, tc.want, out, errOut)
			}
		})
	}
}
