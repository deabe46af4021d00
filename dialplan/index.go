package dialplan

import "sort"

// numberIndex finds the entries that may match a number without scanning
// every entry: exact numbers by value, prefixes by every prefix length.
type numberIndex struct {
	n       int // entries indexed, to notice a list changed after Prepare
	exact   map[string][]int
	prefix  map[string][]int
	lengths []int // distinct prefix lengths, longest first
}

func buildIndex(n int, entry func(i int) (string, MatchKind)) *numberIndex {
	x := &numberIndex{n: n, exact: map[string][]int{}, prefix: map[string][]int{}}
	seen := map[int]bool{}
	for i := 0; i < n; i++ {
		num, kind := entry(i)
		if kind == Prefix {
			x.prefix[num] = append(x.prefix[num], i)
			if !seen[len(num)] {
				seen[len(num)] = true
				x.lengths = append(x.lengths, len(num))
			}
		} else {
			x.exact[num] = append(x.exact[num], i)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(x.lengths)))
	return x
}

// candidates lists, in entry order, the entries that could match one of
// forms; all of them when x is nil or stale.
func (x *numberIndex) candidates(n int, forms []string) []int {
	if x == nil || x.n != n {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	var out []int
	for _, f := range forms {
		out = append(out, x.exact[f]...)
		for _, l := range x.lengths {
			if l <= len(f) {
				out = append(out, x.prefix[f[:l]]...)
			}
		}
	}
	sort.Ints(out)
	return out
}

// Prepare indexes the blacklist, whitelist and caller lists so that Decide
// looks numbers up instead of scanning every entry. store.LoadRouting calls
// it; call it again after changing those slices (Decide notices a changed
// length and falls back to scanning, but not an edit in place). Decide gives
// the same answers with or without it.
func (tr *TenantRouting) Prepare() {
	tr.blIndex = buildIndex(len(tr.Blacklist), func(i int) (string, MatchKind) { return tr.Blacklist[i].Number, tr.Blacklist[i].Kind })
	tr.wlIndex = buildIndex(len(tr.Whitelist), func(i int) (string, MatchKind) { return tr.Whitelist[i].Number, tr.Whitelist[i].Kind })
	tr.listSets = make(map[string]map[string]bool, len(tr.Lists))
	for name, nums := range tr.Lists {
		set := make(map[string]bool, len(nums))
		for _, n := range nums {
			set[n] = true
		}
		tr.listSets[name] = set
	}
}

// inList tells whether one of forms is in the named list.
func (tr *TenantRouting) inList(name string, forms []string) (string, bool) {
	if set, ok := tr.listSets[name]; ok && len(set) == len(tr.Lists[name]) {
		for _, f := range forms {
			if set[f] {
				return f, true
			}
		}
		return "", false
	}
	for _, n := range tr.Lists[name] {
		for _, f := range forms {
			if n == f {
				return f, true
			}
		}
	}
	return "", false
}
