package api

// views turns stored rows into what the API answers for them, one a row;
// no rows give an empty list, never null.
func views[R, V any](rows []R, view func(R) V) []V {
	out := make([]V, 0, len(rows))
	for _, r := range rows {
		out = append(out, view(r))
	}
	return out
}
