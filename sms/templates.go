package sms

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Template purposes.
var Purposes = []string{"missed_call", "after_hours", "survey_link", "verification_code", "workorder_update", "voicemail", "after_call", "custom"}

// Languages templates are written in.
var Languages = []string{"zh-CN", "en"}

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// ValidName checks a provider id or template name.
func ValidName(field, s string) error {
	if !nameRe.MatchString(s) {
		return fmt.Errorf("%s: %q must be 1-64 of a-z 0-9 _ . - starting with a letter or digit", field, s)
	}
	return nil
}

// ParseTexts reads a template's texts (language → text) and checks them.
func ParseTexts(raw string) (map[string]string, error) {
	texts := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &texts); err != nil {
		return nil, fmt.Errorf("texts: %w", err)
	}
	return texts, CheckTexts(texts)
}

// CheckTexts checks a template's texts: at least one, known languages,
// well-formed ${variables}, at most 1000 characters each.
func CheckTexts(texts map[string]string) error {
	if len(texts) == 0 {
		return fmt.Errorf("texts: at least one language (%s)", strings.Join(Languages, ", "))
	}
	for lang, t := range texts {
		if !slices.Contains(Languages, lang) {
			return fmt.Errorf("texts.%s: unknown language (known: %s)", lang, strings.Join(Languages, ", "))
		}
		if strings.TrimSpace(t) == "" {
			return fmt.Errorf("texts.%s: empty", lang)
		}
		if n := len([]rune(t)); n > 1000 {
			return fmt.Errorf("texts.%s: %d characters, at most 1000", lang, n)
		}
		if strings.Count(t, "${") != len(varRe.FindAllString(t, -1)) {
			return fmt.Errorf("texts.%s: an unclosed ${", lang)
		}
		for _, m := range varRe.FindAllStringSubmatch(t, -1) {
			if !varNameRe.MatchString(m[1]) {
				return fmt.Errorf("texts.%s: ${%s} is not a variable name", lang, m[1])
			}
		}
	}
	return nil
}

var varNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Variables lists the variables a text uses, sorted.
func Variables(text string) []string {
	var vs []string
	for _, m := range varRe.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(vs, m[1]) {
			vs = append(vs, m[1])
		}
	}
	sort.Strings(vs)
	return vs
}

// Render fills a text's ${variables}; a variable without a value is an
// error naming it.
func Render(text string, vars map[string]string) (string, error) {
	var missing []string
	out := varRe.ReplaceAllStringFunc(text, func(m string) string {
		k := m[2 : len(m)-1]
		v, ok := vars[k]
		if !ok {
			missing = append(missing, k)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no value for %s", "${"+strings.Join(missing, "}, ${")+"}")
	}
	return out, nil
}

// PickText chooses the text of a template for lang: that language, then
// fallback, then zh-CN, then any.
func PickText(texts map[string]string, lang, fallback string) (string, string) {
	for _, l := range []string{lang, fallback, "zh-CN", "en"} {
		if t, ok := texts[l]; ok && l != "" {
			return t, l
		}
	}
	for _, l := range Languages {
		if t, ok := texts[l]; ok {
			return t, l
		}
	}
	return "", ""
}

// DefaultTemplate is a starting template a tenant can install.
type DefaultTemplate struct {
	Name    string
	Purpose string
	Texts   map[string]string
}

// Defaults are the templates for the purposes the seeds name.
var Defaults = []DefaultTemplate{
	{"missed_call", "missed_call", map[string]string{
		"zh-CN": "您好,我们未能接听您 ${time} 的来电,将尽快回电。如需帮助请拨打 ${dnis}。",
		"en":    "Sorry we missed your call at ${time}. We will call you back soon, or call us on ${dnis}."}},
	{"after_hours", "after_hours", map[string]string{
		"zh-CN": "您好,现在是非工作时间,我们的服务时间为 ${hours}。我们会在上班后尽快联系您。",
		"en":    "You called outside our opening hours (${hours}). We will contact you when we open."}},
	{"survey_link", "survey_link", map[string]string{
		"zh-CN": "感谢您的来电,请为本次服务评价:${link}",
		"en":    "Thank you for calling. Please rate our service: ${link}"}},
	{"verification_code", "verification_code", map[string]string{
		"zh-CN": "您的验证码是 ${code},${minutes} 分钟内有效,请勿告知他人。",
		"en":    "Your verification code is ${code}, valid for ${minutes} minutes. Do not share it."}},
	{"workorder_update", "workorder_update", map[string]string{
		"zh-CN": "您的工单 ${workorder} 状态已更新为:${status}。",
		"en":    "Your work order ${workorder} is now: ${status}."}},
	{"voicemail", "voicemail", map[string]string{
		"zh-CN": "您的留言已收到,我们会尽快回复。",
		"en":    "We received your voice message and will get back to you soon."}},
}
