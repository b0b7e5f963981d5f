package loader

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := files(t, map[string]string{"api.ini": "[pipeline:main]\npipeline = t app\n[filter:t]\nuse = egg:pasteserve#tag\nname = x\n[app:app]\nuse = egg:pasteserve#echo-trace\n"})
	h, err := Load(filepath.Join(dir, "api.ini"), "main", nil, traceRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(get(t, h, "/").Body); string(body) != "hi x" {
		t.Errorf("body %q", body)
	}
	if _, err := Load(filepath.Join(dir, "api.ini"), "nosuch", nil, traceRegistry()); err == nil || !strings.Contains(err.Error(), `no app named "nosuch"`) {
		t.Errorf("missing app: %v", err)
	}
}
