package qa

import (
	"strings"
	"testing"
)

func sampleTemplate() *Template {
	return &Template{Name: "Service", CommentBelow: 70, Sections: []Section{
		{ID: "open", Title: "Opening", Weight: 40, Items: []Item{
			{ID: "greet", Title: "Greeting with work number", Kind: KindYesNo, Max: 10},
			{ID: "verify", Title: "Verified the caller", Kind: KindYesNo, Max: 10, Fatal: true},
		}},
		{ID: "body", Title: "Handling", Weight: 60, Items: []Item{
			{ID: "polite", Title: "Politeness", Kind: KindScale, Max: 20, Scale: 5},
			{ID: "errors", Title: "Errors", Kind: KindDeductions, Max: 20},
			{ID: "solve", Title: "Solved", Kind: KindPoints, Max: 10},
			{ID: "silence", Title: "No silence over 30 s", Kind: KindYesNo, Max: 10, Auto: &AutoRule{Metric: "longest_silence_s", Op: ">", Value: 30}},
		}},
	}}
}

func TestTemplateCompute(t *testing.T) {
	tpl := sampleTemplate()
	if err := tpl.Validate(); err != nil {
		t.Fatal(err)
	}
	quiet := &Analytics{LongestSilenceMS: 5000}
	long := &Analytics{LongestSilenceMS: 45000}
	tests := []struct {
		name  string
		ans   Answers
		a     *Analytics
		total float64
		fatal bool
	}{
		{"all full marks", Answers{"greet": "yes", "verify": "yes", "polite": "5", "errors": "0", "solve": "10"}, quiet, 100, false},
		// Opening 100 (weight 40); handling: polite 3 → 10, errors -5 → 15, solve 6, silence 10 = 41/60.
		{"mixed answers weigh sections", Answers{"greet": "yes", "verify": "yes", "polite": "3", "errors": "5", "solve": "6"}, quiet, round2((100*40 + 41.0/60*100*60) / 100), false},
		{"a fatal item failing zeroes the score", Answers{"greet": "yes", "verify": "no", "polite": "5", "errors": "0", "solve": "10"}, quiet, 0, true},
		{"the auto item fails on a 45 s silence", Answers{"greet": "yes", "verify": "yes", "polite": "5", "errors": "0", "solve": "10"}, long, round2((100*40 + 50.0/60*100*60) / 100), false},
		{"auto item overrides the scorer's answer", Answers{"greet": "yes", "verify": "yes", "polite": "5", "errors": "0", "solve": "10", "silence": "yes"}, long, round2((100*40 + 50.0/60*100*60) / 100), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tpl.Compute(tc.ans, tc.a)
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != tc.total || r.Fatal != tc.fatal {
				t.Errorf("total %v fatal %v, want %v %v (%+v)", r.Total, r.Fatal, tc.total, tc.fatal, r)
			}
		})
	}
}

func TestTemplateComputeRejects(t *testing.T) {
	tpl := sampleTemplate()
	if err := tpl.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ans  Answers
		want string
	}{
		{Answers{"nope": "1"}, "answers.nope: no such item"},
		{Answers{"greet": "maybe"}, "answers.greet: answer yes or no"},
		{Answers{"polite": "6"}, "answers.polite: 6 is not on the scale 1..5"},
		{Answers{"errors": "25"}, "answers.errors: a deduction of 25 is outside 0..20"},
		{Answers{"solve": "x"}, `answers.solve: a number is needed, got "x"`},
	} {
		_, err := tpl.Compute(tc.ans, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.ans, err, tc.want)
		}
	}
}

func TestTemplateValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Template)
		want string
	}{
		{func(t *Template) { t.Name = " " }, "name: a template needs a name"},
		{func(t *Template) { t.Sections[0].Weight = 0 }, "sections[0].weight"},
		{func(t *Template) { t.Sections[1].Items[0].Scale = 1 }, "sections[1].items[0].scale"},
		{func(t *Template) { t.Sections[1].Items[1].Kind = "stars" }, `sections[1].items[1].kind: unknown kind "stars"`},
		{func(t *Template) { t.Sections[1].Items[2].ID = "greet" }, `sections[1].items[2].id: item id "greet" is already used at sections[0].items[0]`},
		{func(t *Template) { t.Sections[1].Items[3].Auto.Metric = "mood" }, `sections[1].items[3].auto.metric: unknown metric "mood"`},
		{func(t *Template) { t.Sections[0].Items[0].Max = 0 }, "sections[0].items[0].max"},
	} {
		tpl := sampleTemplate()
		tc.edit(tpl)
		if err := tpl.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err %v, want %q", err, tc.want)
		}
	}
}
