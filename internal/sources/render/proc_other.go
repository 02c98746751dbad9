//go:build !linux

package render

import (
	"os"
	"os/exec"
)

// Process groups and /proc are Linux's: elsewhere the browser is killed by
// its pid alone, and its memory is not measured.

func setProcAttr(cmd *exec.Cmd) {}

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil && pid > 0 {
		p.Kill()
	}
}

func killUsing(dir string) {}

func processMemory(pgid int, dir string) Memory { return Memory{} }
