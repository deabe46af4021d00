package demo

import "testing"

// Simulated callers answer what they hear, once: the survey with a rating
// (when they are raters), the queue's keys with a call-back request or a
// message (when they want one); nothing else makes them press.
func TestCallersAnswerWhatTheyHear(t *testing.T) {
	survey := []string{"您好", "请对本次服务进行评价：非常满意请按1，满意请按2，不满意请按3。"}
	keys := []string{"您现在排在第1位，预计等待1分钟，如需回电请按1，留言请按2"}
	keysEN := []string{"You are number 2 in the queue. To be called back, press 1. To leave a message, press 2."}
	for _, tc := range []struct {
		name  string
		plan  callerPlan
		heard []string
		want  string
	}{
		{"a rater rates", callerPlan{rate: true}, survey, "2"},
		{"a non-rater does not", callerPlan{}, survey, ""},
		{"a caller wanting a call-back presses 1", callerPlan{callback: true}, keys, "1"},
		{"in English too", callerPlan{callback: true}, keysEN, "1"},
		{"a caller with a message presses 2", callerPlan{voicemail: true}, keys, "2"},
		{"nothing asked, nothing pressed", callerPlan{rate: true, callback: true}, []string{"查询账户余额请按1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.plan
			if key, _ := p.next(tc.heard, 4); key != tc.want {
				t.Fatalf("pressed %q, want %q", key, tc.want)
			}
			if key, _ := p.next(tc.heard, 4); key != "" {
				t.Fatalf("pressed %q a second time", key)
			}
		})
	}
}
