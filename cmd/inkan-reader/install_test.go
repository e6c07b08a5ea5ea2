package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// wantEntry is the desktop entry install-handler writes for this (test)
// binary.
func wantEntry(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ = filepath.Abs(exe)
	arg, err := execArg(exe)
	if err != nil {
		t.Fatal(err)
	}
	return "[Desktop Entry]\nType=Application\nName=Inkan reader\n" +
		"Comment=Sign in with your My Number Card in a card reader on this computer\n" +
		"Exec=" + arg + " open %u\nMimeType=x-scheme-handler/inkan;\nTerminal=true\nNoDisplay=true\n"
}

// fakeTools puts scripts named like the xdg tools in a directory that
// becomes the whole PATH; each records its arguments in log.
func fakeTools(t *testing.T, exit map[string]int) (log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "calls.log")
	for _, name := range []string{"xdg-mime", "update-desktop-database"} {
		script := "#!/bin/sh\necho \"" + name + " $*\" >> '" + log + "'\nexit " + string(rune('0'+exit[name])) + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return log
}

func TestInstallHandler(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("install-handler writes a desktop entry on Linux only")
	}
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	apps := filepath.Join(data, "applications")
	path := filepath.Join(apps, "inkan-reader.desktop")
	entry := wantEntry(t)
	if !strings.HasPrefix(strings.Split(entry, "Exec=")[1], "/") {
		t.Fatalf("Exec is not an absolute path:\n%s", entry)
	}

	t.Run("dry-run", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir()) // no xdg tools
		code, out, errs := runMem(t, nil, "", "install-handler", "--dry-run")
		if code != exitOK {
			t.Fatalf("exit %d %s", code, errs)
		}
		for _, want := range []string{"would write " + path + ":\n" + entry,
			"would skip (not installed): xdg-mime default inkan-reader.desktop x-scheme-handler/inkan",
			"would skip (not installed): update-desktop-database " + apps} {
			if !strings.Contains(out, want) {
				t.Errorf("dry run lacks %q:\n%s", want, out)
			}
		}
		if _, err := os.Stat(apps); !os.IsNotExist(err) {
			t.Fatalf("a dry run created %s", apps)
		}
		fakeTools(t, nil)
		_, out, _ = runMem(t, nil, "", "install-handler", "--dry-run")
		if !strings.Contains(out, "would run: xdg-mime default inkan-reader.desktop x-scheme-handler/inkan") {
			t.Errorf("dry run with the tools installed:\n%s", out)
		}
	})

	t.Run("without xdg tools", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		code, out, errs := runMem(t, nil, "", "install-handler")
		if code != exitOK || !strings.Contains(out, "wrote "+path) || !strings.Contains(out, "note: xdg-mime is not installed") {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != entry {
			t.Fatalf("desktop entry %q (%v), want\n%s", b, err, entry)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, want 0644", st.Mode().Perm())
		}
		if left, _ := filepath.Glob(filepath.Join(apps, ".inkan-reader-*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	})

	t.Run("runs the xdg tools", func(t *testing.T) {
		os.WriteFile(path, []byte("stale"), 0o644)
		log := fakeTools(t, nil)
		code, out, errs := runMem(t, nil, "", "install-handler")
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		calls, _ := os.ReadFile(log)
		want := "xdg-mime default inkan-reader.desktop x-scheme-handler/inkan\nupdate-desktop-database " + apps + "\n"
		if string(calls) != want {
			t.Fatalf("tool calls %q, want %q", calls, want)
		}
		if b, _ := os.ReadFile(path); string(b) != entry {
			t.Fatalf("an existing entry was not replaced: %q", b)
		}
	})

	t.Run("xdg-mime fails", func(t *testing.T) {
		fakeTools(t, map[string]int{"xdg-mime": 3})
		code, _, errs := runMem(t, nil, "", "install-handler")
		if code != exitError || !strings.Contains(errs, "xdg-mime default") {
			t.Fatalf("exit %d %s", code, errs)
		}
	})

	t.Run("relative XDG_DATA_HOME is ignored", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv("HOME", home)
		t.Setenv("XDG_DATA_HOME", "relative/dir")
		_, out, _ := runMem(t, nil, "", "install-handler", "--dry-run")
		if !strings.Contains(out, "would write "+filepath.Join(home, ".local/share/applications/inkan-reader.desktop")) {
			t.Fatalf("dry run:\n%s", out)
		}
	})
}

// TestInstallHandlerXDGMime registers the handler with the real xdg-mime
// in a private home and asks xdg-mime which program opens inkan:// links.
func TestInstallHandlerXDGMime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	if _, err := exec.LookPath("xdg-mime"); err != nil {
		t.Skip("xdg-mime is not installed")
	}
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "XDG_DATA_HOME": filepath.Join(home, "data"), "XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"XDG_CURRENT_DESKTOP": "", "DESKTOP_SESSION": "", "KDE_FULL_SESSION": "", "GNOME_DESKTOP_SESSION_ID": "",
	} {
		t.Setenv(k, v)
	}
	if code, out, errs := runMem(t, nil, "", "install-handler"); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	out, err := exec.Command("xdg-mime", "query", "default", "x-scheme-handler/inkan").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "inkan-reader.desktop" {
		t.Fatalf("xdg-mime query default: %q %v", out, err)
	}
}

func TestExecArg(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/local/bin/inkan-reader": "/usr/local/bin/inkan-reader",
		"/opt/my tools/inkan-reader":  `"/opt/my tools/inkan-reader"`,
		"/opt/100%/inkan-reader":      "/opt/100%%/inkan-reader",
		`/o/$x"y/r`:                   `"/o/\\$x\\"y/r"`,
		`/o/a\b/r`:                    `"/o/a\\\\b/r"`,
		"/o/it's/r":                   `"/o/it's/r"`,
	} {
		got, err := execArg(in)
		if err != nil || got != want {
			t.Errorf("execArg(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"/o/a\nb", "/o/\xff"} {
		if _, err := execArg(bad); err == nil {
			t.Errorf("execArg(%q) accepted", bad)
		}
	}
}
