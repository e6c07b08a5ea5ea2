package identity

import (
	"errors"
	"fmt"
	"time"
)

// Era digits used in the certificate's birth date (jpki.md §5.3).
const (
	EraUnknown = 0
	EraMeiji   = 1
	EraTaisho  = 2
	EraShowa   = 3
	EraHeisei  = 4
	EraReiwa   = 5
)

// eraStarts are the first Gregorian days of each era, newest first.
var eraStarts = []struct {
	era   int
	first time.Time
}{
	{EraReiwa, date(2019, 5, 1)},
	{EraHeisei, date(1989, 1, 8)},
	{EraShowa, date(1926, 12, 25)},
	{EraTaisho, date(1912, 7, 30)},
	{EraMeiji, date(1868, 1, 25)},
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// EraOf returns the era digit for a Gregorian birth date, or EraUnknown for a
// date before Meiji. The test CA uses it to write realistic birth dates.
func EraOf(d time.Time) int {
	d = date(d.Year(), d.Month(), d.Day())
	for _, e := range eraStarts {
		if !d.Before(e.first) {
			return e.era
		}
	}
	return EraUnknown
}

// parseCardBirthdate converts the card form EYYYYMMDD to the era digit and an
// ISO date. The era digit is kept, not cross-checked against the date: the
// date is what the card calls authoritative, and a check would only add ways
// to reject a genuine card (dates on era boundaries).
func parseCardBirthdate(s string) (era int, iso string, err error) {
	if len(s) != 9 {
		return 0, "", errors.New("want 9 digits EYYYYMMDD")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, "", errors.New("want 9 digits EYYYYMMDD")
		}
	}
	era = int(s[0] - '0')
	if era > EraReiwa {
		return 0, "", errors.New("era digit out of range 0-5")
	}
	iso = s[1:5] + "-" + s[5:7] + "-" + s[7:9]
	if _, err := parseISODate(iso); err != nil {
		return 0, "", err
	}
	return era, iso, nil
}

// cardBirthdate is the inverse of parseCardBirthdate.
func cardBirthdate(era int, iso string) (string, error) {
	if _, err := parseISODate(iso); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d%s%s%s", era, iso[0:4], iso[5:7], iso[8:10]), nil
}

// parseISODate parses YYYY-MM-DD and rejects days that do not exist
// (time.Parse already refuses 02-30) and years before 1800, which no living
// holder has.
func parseISODate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return time.Time{}, errors.New("not a real date")
	}
	if t.Year() < 1800 {
		return time.Time{}, errors.New("year before 1800")
	}
	return t, nil
}

// ParseBirthdate parses an ISO "YYYY-MM-DD" birth date as Attributes.Birthdate
// holds it, returning midnight UTC of that day.
func ParseBirthdate(s string) (time.Time, error) {
	t, err := parseISODate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("identity: birth date: %w", err)
	}
	return t, nil
}
