package render

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// setProcAttr starts the browser in a process group of its own, so that a
// Ctrl-C in a terminal reaches tracker alone (which then closes the
// browser) and killGroup reaches every process the browser forked, and has
// the kernel kill it if tracker dies first.
func setProcAttr(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// killGroup kills the process group the browser leads.
func killGroup(pid int) {
	if pid > 0 {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// killUsing kills the processes that run with the profile dir, until none
// is found for a few passes: a child can fork as its parent dies.
func killUsing(dir string) {
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		n := 0
		for _, pid := range processes(0, dir) {
			syscall.Kill(pid, syscall.SIGKILL)
			n++
		}
		if n == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// processes lists the processes of a browser: those in the process group
// pgid leads, and those started with the profile dir (Chromium passes it
// to its children).
func processes(pgid int, dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	flag := []byte("--user-data-dir=" + dir)
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if pgid > 0 {
			if stat, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && groupOf(stat) == pgid {
				pids = append(pids, pid)
				continue
			}
		}
		if dir == "" {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
			if bytes.Equal(arg, flag) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// groupOf reads the process group from /proc/PID/stat, whose second field
// (the command name, in parentheses) may hold spaces.
func groupOf(stat []byte) int {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 3 {
		return 0
	}
	g, _ := strconv.Atoi(f[2]) // state, ppid, pgrp
	return g
}

// processMemory sums what the browser's processes hold.
func processMemory(pgid int, dir string) Memory {
	var m Memory
	page := int64(os.Getpagesize())
	for _, pid := range processes(pgid, dir) {
		p := "/proc/" + strconv.Itoa(pid)
		statm, err := os.ReadFile(p + "/statm")
		if err != nil {
			continue // gone meanwhile
		}
		f := strings.Fields(string(statm))
		if len(f) < 2 {
			continue
		}
		rss, _ := strconv.ParseInt(f[1], 10, 64)
		m.Processes++
		m.RSS += rss * page
		m.PSS += pss(p + "/smaps_rollup")
	}
	return m
}

// pss reads the proportional set size, in bytes, from smaps_rollup.
func pss(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
