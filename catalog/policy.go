package catalog

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// ListedClasses are the classes whose records go on the lists that
// agencies query for joint rewards and punishments: positive types on the
// red list, serious dishonesty types on the black list.
var ListedClasses = []Class{Positive, SeriousDishonesty}

// PolicyChange is one difference between two versions of a record type in
// the rules that decide who sees its records, what for and for how long:
// its disclosure, its class where that puts records on a list, its sharing
// scope and usage rights, and its display periods. Schema changes are
// compat's; names, departments and required fields are not policy.
type PolicyChange struct {
	// Pointer is a JSON pointer into the new version's document, as the
	// catalogue API serves it, at the rule that changed, such as
	// /disclosure, /sharing/scope/3 or /display/periods/minor/max_months.
	// A value the new version no longer has is named by its list, such as
	// /sharing/scope.
	Pointer string `json:"pointer"`
	// Kind is a stable code, such as disclosure_widened or scope_added.
	Kind string `json:"kind"`
	// Reason says what changed and what it means for records.
	Reason string `json:"reason"`
	// Widens is set when the change lets records be seen by more people,
	// shared with more bodies or for more uses, put on a list, or
	// displayed longer or where they were not displayed. Such a version
	// takes effect only once an operator approves it.
	Widens bool `json:"widens"`
}

// PolicyDiff returns the policy changes from version old to version new of
// a record type, sorted by pointer, then kind. Both must be valid record
// types, as Load and ParseType return them.
func PolicyDiff(old, new *RecordType) []PolicyChange {
	var out []PolicyChange
	add := func(pointer, kind string, widens bool, format string, args ...any) {
		out = append(out, PolicyChange{Pointer: pointer, Kind: kind, Reason: fmt.Sprintf(format, args...), Widens: widens})
	}

	if o, n := disclosureBreadth(old.Disclosure), disclosureBreadth(new.Disclosure); o != n {
		kind, verb := "disclosure_widened", "widened"
		if n < o {
			kind, verb = "disclosure_narrowed", "narrowed"
		}
		add("/disclosure", kind, n > o, "disclosure %s from %s to %s: records %s, where they %s",
			verb, old.Disclosure, new.Disclosure, disclosureEffects[new.Disclosure], disclosureEffects[old.Disclosure])
	}

	if old.Class != new.Class {
		if slices.Contains(ListedClasses, new.Class) {
			add("/class", "class_listed", true, "class changed from %s to %s: records go on the %s", old.Class, new.Class, listNames[new.Class])
		} else if slices.Contains(ListedClasses, old.Class) {
			add("/class", "class_changed", false, "class changed from %s to %s: records leave the %s", old.Class, new.Class, listNames[old.Class])
		} else {
			add("/class", "class_changed", false, "class changed from %s to %s", old.Class, new.Class)
		}
	}

	setDiff(old.Sharing.Scope, new.Sharing.Scope, "/sharing/scope", func(ptr string, s Scope, added bool) {
		if added {
			add(ptr, "scope_added", true, "sharing scope %q added: records are shared with %s", s, scopeMeanings[s])
		} else {
			add(ptr, "scope_removed", false, "sharing scope %q removed: records are no longer shared with %s", s, scopeMeanings[s])
		}
	})
	setDiff(old.Sharing.Usage, new.Sharing.Usage, "/sharing/usage", func(ptr string, u Usage, added bool) {
		if added {
			add(ptr, "usage_added", true, "usage right %q added: records may now be used for it (%s)", u, usageMeanings[u])
		} else {
			add(ptr, "usage_removed", false, "usage right %q removed: records may no longer be used for it (%s)", u, usageMeanings[u])
		}
	})

	displayDiff(old.Display, new.Display, add)

	slices.SortStableFunc(out, func(a, b PolicyChange) int {
		return cmp.Or(cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// Widening returns the changes that widen, in order.
func Widening(changes []PolicyChange) []PolicyChange {
	var out []PolicyChange
	for _, c := range changes {
		if c.Widens {
			out = append(out, c)
		}
	}
	return out
}

// disclosureBreadth orders the disclosures from the narrowest, authorised
// inquiry, to the widest, public.
func disclosureBreadth(d Disclosure) int {
	return len(disclosures) - slices.Index(disclosures, d)
}

// disclosureEffects say, after "records", what each disclosure means.
var disclosureEffects = map[Disclosure]string{
	Public:            "are shown to the public",
	GovernmentShared:  "are shared between government bodies only",
	AuthorisedInquiry: "are disclosed only on an inquiry the person authorised",
}

var listNames = map[Class]string{Positive: "red list", SeriousDishonesty: "black list"}

// setDiff calls f for each value of new that old lacks, with a pointer at
// it, and for each value of old that new lacks, with a pointer at the list.
func setDiff[T comparable](old, new []T, at string, f func(pointer string, v T, added bool)) {
	for i, v := range new {
		if !slices.Contains(old, v) {
			f(at+"/"+strconv.Itoa(i), v, true)
		}
	}
	for _, v := range old {
		if !slices.Contains(new, v) {
			f(at, v, false)
		}
	}
}

// displayDiff adds the changes of the display periods.
func displayDiff(old, new Display, add func(pointer, kind string, widens bool, format string, args ...any)) {
	switch {
	case len(old.Periods) == 0 && len(new.Periods) == 0:
		return
	case len(new.Periods) == 0:
		add("/display", "display_unbounded", true,
			"display periods removed: records are displayed for as long as they are active, where display stopped after at most %d months",
			longest(old, func(p Period) int { return p.MaxMonths }))
		return
	case len(old.Periods) == 0:
		add("/display", "display_bounded", false,
			"display periods added: display stops after at most %d months, where records were displayed for as long as they were active",
			longest(new, func(p Period) int { return p.MaxMonths }))
		return
	case old.By != new.By:
		// Any record may fall under any new period: the change widens
		// when some new period is longer than the shortest old one.
		maxOf, minOf := func(p Period) int { return p.MaxMonths }, func(p Period) int { return p.MinMonths }
		widens := longest(new, maxOf) > shortest(old, maxOf) || longest(new, minOf) > shortest(old, minOf)
		consequence := "no new period is longer than any old one"
		if widens {
			consequence = "a record may fall under a longer period than before"
		}
		add("/display/by", "display_by_changed", widens, "display periods are chosen by %s, not %s: %s",
			byName(new.By), byName(old.By), consequence)
		return
	}
	for _, key := range slices.Sorted(maps.Keys(old.Periods)) {
		if _, ok := new.Periods[key]; !ok {
			add("/display/periods", "display_period_removed", false, "no display period for %s any more", periodName(new.By, key))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(new.Periods)) {
		at, n := "/display/periods/"+escape(key), new.Periods[key]
		o, ok := old.Periods[key]
		if !ok {
			// Records with this value were not valid before: none is held.
			add(at, "display_period_added", false, "display period for %s added: %d to %d months", periodName(new.By, key), n.MinMonths, n.MaxMonths)
			continue
		}
		name := periodName(new.By, key)
		switch {
		case o.MaxMonths == 0 && n.MaxMonths > 0:
			add(at+"/max_months", "display_started", true, "records %s were not displayed and now are, for at most %d months", name, n.MaxMonths)
		case n.MaxMonths == 0 && o.MaxMonths > 0:
			add(at+"/max_months", "display_stopped", false, "records %s were displayed for at most %d months and now are not displayed", name, o.MaxMonths)
		case n.MaxMonths > o.MaxMonths:
			add(at+"/max_months", "display_max_increased", true, "records %s are displayed for at most %d months, not %d", name, n.MaxMonths, o.MaxMonths)
		case n.MaxMonths < o.MaxMonths:
			add(at+"/max_months", "display_max_decreased", false, "records %s are displayed for at most %d months, not %d", name, n.MaxMonths, o.MaxMonths)
		}
		switch {
		case n.MinMonths > o.MinMonths:
			add(at+"/min_months", "display_min_increased", true,
				"records %s are displayed for at least %d months, not %d, before the person may apply for credit repair", name, n.MinMonths, o.MinMonths)
		case n.MinMonths < o.MinMonths:
			add(at+"/min_months", "display_min_decreased", false,
				"records %s are displayed for at least %d months, not %d, before the person may apply for credit repair", name, n.MinMonths, o.MinMonths)
		}
	}
}

// periodName names the records a display period applies to.
func periodName(by, key string) string {
	if by == "" {
		return "of the type"
	}
	return fmt.Sprintf("with %s %q", by, key)
}

func byName(by string) string {
	if by == "" {
		return "nothing (one period)"
	}
	return strconv.Quote(by)
}

// longest and shortest return the largest and smallest of f over the
// periods of d, which has some.
func longest(d Display, f func(Period) int) int {
	n := 0
	for _, p := range d.Periods {
		n = max(n, f(p))
	}
	return n
}

func shortest(d Display, f func(Period) int) int {
	n := -1
	for _, p := range d.Periods {
		if n < 0 || f(p) < n {
			n = f(p)
		}
	}
	return n
}
