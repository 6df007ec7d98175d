package web

import (
	"fmt"
	"net/http"
	"time"
)

// Languages of the pages: Chinese first, English on request.
const (
	zh = "zh"
	en = "en"
)

// langCookie remembers the language a visitor chose with ?lang=.
const langCookie = "credex_lang"

// messages are every sentence the pages show, by key, in each language. A
// key used by a template or handler must have both (TestMessagesComplete).
// Arguments are fmt verbs: %s, %d.
var messages = map[string]map[string]string{
	zh: {
		"site.name":         "城市个人信用信息交换平台",
		"site.tagline":      "公共信用信息的查询、异议与信用修复",
		"nav.skip":          "跳到正文",
		"nav.home":          "首页",
		"nav.lookup":        "公示查询",
		"nav.lists":         "红黑名单",
		"nav.types":         "信息目录",
		"nav.me":            "我的信用记录",
		"nav.track":         "办理进度",
		"nav.signin":        "登录",
		"nav.signout":       "退出登录",
		"nav.main":          "主导航",
		"lang.switch":       "English",
		"lang.switch.label": "Switch to English",
		"footer.text":       "本平台只公示依法应当公开的信息；身份证号码均已隐去部分数字。",
		"footer.api":        "开发者接口（API）",

		"home.title":   "个人公共信用信息",
		"home.intro":   "在这里可以查询依法公示的个人信用信息，对自己的信用记录提出异议、申请信用修复，并查看办理进度。",
		"home.search":  "查询公示信息",
		"home.links":   "您可以",
		"home.me":      "登录后查看本人的信用记录和查询记录",
		"home.track":   "凭受理编号查看异议或修复申请的进度",
		"home.lists":   "了解红名单与黑名单",
		"home.types":   "了解各类信用信息的含义与公示期限",
		"form.name":    "姓名",
		"form.id":      "身份证号码",
		"form.id.hint": "18位，最后一位可能是 X",
		"form.submit":  "查询",

		"form.name.missing": "请填写姓名，与身份证上的一致。",
		"form.name.long":    "姓名太长了，最多100个字。",
		"form.id.invalid":   "这不是一个有效的身份证号码。请检查18位数字和最后一位校验码（可能是 X）。",

		"lookup.title":   "公示信息查询",
		"lookup.intro":   "输入姓名和身份证号码，查看依法公示的信用信息。查询结果中的身份证号码会隐去部分数字；每次查询都会记录在案，本人可以查看。",
		"lookup.results": "查询结果",
		"lookup.found":   "共找到 %d 条公示信息。",
		"lookup.none":    "没有找到公示信息。姓名与身份证号码不对应时，也不会显示任何信息。",

		"record.disputed":       "有异议",
		"record.disputed.hint":  "本人已对这条信息提出异议，正在核查中。",
		"record.subject":        "信息主体",
		"record.department":     "提供部门",
		"record.display":        "公示期",
		"record.display.window": "%s 至 %s",
		"record.repair_from":    "可申请信用修复日期",
		"record.updated":        "最近更新",

		"lists.title":       "红名单与黑名单",
		"lists.intro":       "红名单收录守信激励信息，黑名单收录严重失信主体信息。这里只显示依法公示的部分；其他名单信息只向有权查询的机关提供。",
		"lists.red":         "红名单",
		"lists.red.about":   "以下类别的信息会使信息主体列入红名单：",
		"lists.black":       "黑名单",
		"lists.black.about": "以下类别的信息会使信息主体列入黑名单：",
		"lists.search":      "查询某人是否在名单上",
		"lists.none":        "没有公示信息。",

		"types.title":              "信用信息的种类",
		"types.intro":              "以下是向社会公示的信用信息种类。点击名称可以查看详细规则。",
		"types.name":               "名称",
		"types.class":              "类别",
		"types.period":             "公示期限",
		"types.months":             "%d 至 %d 个月",
		"types.no_period":          "有效期间内持续公示",
		"types.more":               "查看完整的信用信息目录",
		"class.basic":              "基础信息",
		"class.positive":           "守信激励（红名单）",
		"class.negative":           "失信信息",
		"class.serious_dishonesty": "严重失信（黑名单）",

		"duration.minutes": "%d 分钟",
		"duration.hours":   "%d 小时",

		"desk.title":    "部门工作台",
		"desk.intro":    "数据提供部门处理异议与信用修复申请的工作台。",
		"catalog.title": "信用信息目录",
		"catalog.intro": "各类信用信息的名称、类别、公开方式与公示期限。",
		"ops.title":     "运行概况",
		"ops.intro":     "平台运行维护人员查看运行状况的页面。",

		"error.title":       "出错了",
		"error.not_found":   "没有找到这个页面。请检查网址，或从首页重新开始。",
		"error.method":      "这个页面不接受这种请求。请从首页重新开始。",
		"error.csrf":        "为了您的安全，这次提交没有被接受：表单已过期或不是从本网站提交的。请返回上一页，刷新后重新提交。",
		"error.too_large":   "提交的内容太大了。请减少或压缩附件后重新提交。",
		"error.unavailable": "系统暂时无法处理您的请求，请稍后再试。",
		"error.too_many":    "您的请求太频繁了，请 %s 后再试。",
		"error.back_home":   "返回首页",
	},
	en: {
		"site.name":         "City Personal Credit Exchange",
		"site.tagline":      "Public credit information: look-ups, objections and credit repair",
		"nav.skip":          "Skip to main content",
		"nav.home":          "Home",
		"nav.lookup":        "Public look-up",
		"nav.lists":         "Red and black lists",
		"nav.types":         "Catalogue",
		"nav.me":            "My credit records",
		"nav.track":         "Track a case",
		"nav.signin":        "Sign in",
		"nav.signout":       "Sign out",
		"nav.main":          "Main navigation",
		"lang.switch":       "中文",
		"lang.switch.label": "切换到中文",
		"footer.text":       "This site shows only what the law says must be public; ID numbers are always partly hidden.",
		"footer.api":        "Developer API",

		"home.title":   "Personal public credit information",
		"home.intro":   "Look up the personal credit information that is publicly displayed, object to a record about you, apply for credit repair, and follow your case.",
		"home.search":  "Look up public information",
		"home.links":   "You can also",
		"home.me":      "sign in to see your own credit records and who read them",
		"home.track":   "follow an objection or repair application with its tracking number",
		"home.lists":   "learn about the red and black lists",
		"home.types":   "learn what each kind of credit information means and how long it is shown",
		"form.name":    "Name",
		"form.id":      "ID number",
		"form.id.hint": "18 characters; the last may be X",
		"form.submit":  "Look up",

		"form.name.missing": "Enter the name, as it is on the ID card.",
		"form.name.long":    "The name is too long: at most 100 characters.",
		"form.id.invalid":   "This is not a valid ID number. Check the 18 characters and the check character at the end (which may be X).",

		"lookup.title":   "Look up public information",
		"lookup.intro":   "Enter a name and ID number to see the credit information publicly displayed about that person. ID numbers in the results are partly hidden; every look-up is recorded, and the person can see it.",
		"lookup.results": "Results",
		"lookup.found":   "%d publicly displayed records found.",
		"lookup.none":    "No publicly displayed information was found. Nothing is shown either when the name does not go with the ID number.",

		"record.disputed":       "Disputed",
		"record.disputed.hint":  "The person has objected to this record; it is being checked.",
		"record.subject":        "About",
		"record.department":     "Department",
		"record.display":        "Displayed",
		"record.display.window": "%s to %s",
		"record.repair_from":    "Credit repair possible from",
		"record.updated":        "Last updated",

		"lists.title":       "Red and black lists",
		"lists.intro":       "The red list holds rewards for keeping faith; the black list holds serious dishonesty. Only what the law makes public is shown here; the rest of the lists is for the bodies entitled to it.",
		"lists.red":         "Red list",
		"lists.red.about":   "Records of these kinds put a person on the red list:",
		"lists.black":       "Black list",
		"lists.black.about": "Records of these kinds put a person on the black list:",
		"lists.search":      "Look up whether someone is on a list",
		"lists.none":        "Nothing is publicly displayed.",

		"types.title":              "Kinds of credit information",
		"types.intro":              "These are the kinds of credit information shown to the public. Select a name to read its rules.",
		"types.name":               "Name",
		"types.class":              "Class",
		"types.period":             "Displayed for",
		"types.months":             "%d to %d months",
		"types.no_period":          "as long as it is in force",
		"types.more":               "See the whole catalogue",
		"class.basic":              "Basic information",
		"class.positive":           "Reward (red list)",
		"class.negative":           "Negative information",
		"class.serious_dishonesty": "Serious dishonesty (black list)",

		"duration.minutes": "%d minutes",
		"duration.hours":   "%d hours",

		"desk.title":    "Department desk",
		"desk.intro":    "Where departments that provide data answer objections and repair applications.",
		"catalog.title": "Credit information catalogue",
		"catalog.intro": "Each kind of credit information: its name, class, disclosure and display period.",
		"ops.title":     "Operations overview",
		"ops.intro":     "How the hub is running, for its operators.",

		"error.title":       "Something went wrong",
		"error.not_found":   "There is no page here. Check the address, or start again from the home page.",
		"error.method":      "This page does not take this kind of request. Start again from the home page.",
		"error.csrf":        "For your safety this form was not accepted: it has expired or was not sent from this site. Go back, reload the page and send it again.",
		"error.too_large":   "What you sent is too large. Attach fewer or smaller files and send it again.",
		"error.unavailable": "The service cannot handle your request just now. Please try again later.",
		"error.too_many":    "You have sent too many requests. Please try again in %s.",
		"error.back_home":   "Back to the home page",
	},
}

// translate returns the message key in lang, formatted with args. A
// missing key shows as itself, so that it is seen and added.
func translate(lang, key string, args ...any) string {
	m, ok := messages[lang][key]
	if !ok {
		m, ok = messages[zh][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// langOf is the language of the pages for r: the one the visitor chose,
// else Chinese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == en {
		return en
	}
	return zh
}

// languages applies ?lang=zh|en: it remembers the choice in a cookie and
// redirects to the same page without the parameter.
func languages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		lang := q.Get("lang")
		if r.Method != http.MethodGet || (lang != zh && lang != en) {
			next.ServeHTTP(w, r)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		q.Del("lang")
		u := *r.URL
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
	})
}
