package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"
)

// The desktop entry that makes inkan-reader the handler of inkan:// links
// (Desktop Entry Specification 1.5; x-scheme-handler per the Shared MIME
// database conventions that xdg-open follows).
const (
	desktopFileName = "inkan-reader.desktop"
	schemeMIMEType  = "x-scheme-handler/inkan"
)

// cmdInstallHandler registers this binary as the inkan:// handler of the
// user (no root needed): a desktop entry under $XDG_DATA_HOME/applications,
// then xdg-mime and update-desktop-database when they are installed.
// macOS and Windows are documented in docs/desktop-agent.md.
func cmdInstallHandler(ctx context.Context, args []string, e *env) int {
	fs := newFlags(e, "install-handler", "[--dry-run]")
	var dry bool
	fs.BoolVar(&dry, "dry-run", false, "print what would be written and run; change nothing")
	if code, done := parse(fs, args); done {
		return code
	}
	if runtime.GOOS != "linux" {
		fmt.Fprintf(e.stderr, "inkan-reader install-handler: registers the inkan:// handler on Linux desktops only; "+
			"for %s see docs/desktop-agent.md\n", runtime.GOOS)
		return exitError
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.Abs(exe)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inkan-reader install-handler: cannot find this program's path: %v\n", err)
		return exitError
	}
	dir, err := applicationsDir()
	if err != nil {
		fmt.Fprintf(e.stderr, "inkan-reader install-handler: %v\n", err)
		return exitError
	}
	entry, err := desktopEntry(exe)
	if err != nil {
		fmt.Fprintf(e.stderr, "inkan-reader install-handler: %v\n", err)
		return exitError
	}
	path := filepath.Join(dir, desktopFileName)
	cmds := [][]string{
		{"xdg-mime", "default", desktopFileName, schemeMIMEType},
		{"update-desktop-database", dir},
	}

	if dry {
		fmt.Fprintf(e.stdout, "would write %s:\n%s", path, entry)
		for _, c := range cmds {
			if _, err := exec.LookPath(c[0]); err != nil {
				fmt.Fprintf(e.stdout, "would skip (not installed): %s\n", strings.Join(c, " "))
			} else {
				fmt.Fprintf(e.stdout, "would run: %s\n", strings.Join(c, " "))
			}
		}
		return exitOK
	}

	if err := writeFileAtomic(path, []byte(entry), 0o644); err != nil {
		fmt.Fprintf(e.stderr, "inkan-reader install-handler: %v\n", err)
		return exitError
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", path)
	for _, c := range cmds {
		bin, err := exec.LookPath(c[0])
		if err != nil {
			fmt.Fprintf(e.stdout, "note: %s is not installed; skipped %q\n", c[0], strings.Join(c, " "))
			continue
		}
		cmd := exec.CommandContext(ctx, bin, c[1:]...)
		cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(e.stderr, "inkan-reader install-handler: %s: %v\n", strings.Join(c, " "), err)
			return exitError
		}
		fmt.Fprintf(e.stdout, "ran: %s\n", strings.Join(c, " "))
	}
	fmt.Fprintln(e.stdout, "inkan:// links now open inkan-reader in a terminal.")
	return exitOK
}

// applicationsDir is $XDG_DATA_HOME/applications, or
// ~/.local/share/applications when XDG_DATA_HOME is unset or not absolute
// (the Base Directory Specification says to ignore a relative one).
func applicationsDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "applications"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory and no XDG_DATA_HOME: %w", err)
	}
	return filepath.Join(home, ".local", "share", "applications"), nil
}

// desktopEntry is the desktop entry that runs exe as "exe open URL" in a
// terminal (the PIN is typed there) and stays out of menus.
func desktopEntry(exe string) (string, error) {
	arg, err := execArg(exe)
	if err != nil {
		return "", err
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Inkan reader\n" +
		"Comment=Sign in with your My Number Card in a card reader on this computer\n" +
		"Exec=" + arg + " open %u\n" +
		"MimeType=" + schemeMIMEType + ";\n" +
		"Terminal=true\n" +
		"NoDisplay=true\n", nil
}

// execArg quotes one argument of an Exec key (Desktop Entry Specification,
// "The Exec key"): a literal % is %%; an argument with a reserved
// character is double-quoted with ", `, $ and \ backslash-escaped inside;
// then the value is escaped as a string, which doubles every backslash.
func execArg(s string) (string, error) {
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\n\r") {
		return "", errors.New("this program's path cannot be written into a desktop entry (newline or invalid UTF-8)")
	}
	s = strings.ReplaceAll(s, "%", "%%")
	if strings.ContainsAny(s, " \t\"'\\><~|&;$*?#`()") {
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range s {
			if strings.ContainsRune("\"`$\\", r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
		s = b.String()
	}
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, "\t", `\t`), nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, so a desktop database never sees half an entry.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".inkan-reader-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
