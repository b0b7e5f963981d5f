package pasteservecmd

import (
	"bytes"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// On a terminal (here the far end of a pseudo-terminal) the console log
// keeps its colours.
func TestConsoleLogColoursATerminal(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	t.Setenv("NO_COLOR", "")
	log, out, err := newLogger(tty, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	log.Info().Msg("hello")
	ptmx.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	k, err := ptmx.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if out := buf[:k]; !bytes.Contains(out, []byte("hello")) || bytes.IndexByte(out, 0x1b) < 0 {
		t.Errorf("console log on a terminal: want colours (ESC bytes):\n%q", out)
	}
}
