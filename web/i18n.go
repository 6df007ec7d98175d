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

		"lists.title":         "红名单与黑名单",
		"lists.intro":         "红名单收录守信激励信息，黑名单收录严重失信主体信息。这里只显示依法公示的部分；其他名单信息只向有权查询的机关提供。",
		"lists.red":           "红名单",
		"lists.red.about":     "以下类别的信息会使信息主体列入红名单：",
		"lists.black":         "黑名单",
		"lists.black.about":   "以下类别的信息会使信息主体列入黑名单：",
		"lists.search":        "查询某人是否在名单上",
		"lists.none":          "没有公示信息。",
		"lists.red.results":   "查询结果：红名单",
		"lists.black.results": "查询结果：黑名单",

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

		"signin.unconfigured": "本平台尚未接入身份认证服务，暂时无法登录。",
		"signin.unavailable":  "身份认证服务暂时无法访问，请稍后再试。",
		"signin.expired":      "这次登录已过期或无效。请重新点击“登录”。",
		"signin.refused":      "身份认证没有成功。请重新点击“登录”再试一次。",
		"signin.needed":       "请先登录，再提交这个表单。",

		"me.title":         "我的信用记录",
		"me.person":        "您好，%s（%s）。",
		"me.records":       "关于您的信用记录",
		"me.records.intro": "这里列出平台上关于您的全部有效记录，包括不向社会公示的记录。如认为有误，可以提出异议；失信记录在最短公示期满后可以申请信用修复。",
		"me.object":        "提出异议",
		"me.repair":        "申请信用修复",
		"me.records.none":  "平台上没有关于您的有效记录。",
		"me.cases":         "我的异议和修复申请",
		"me.cases.none":    "您还没有提出过异议或修复申请。",
		"me.access":        "谁查询了我的信息",
		"me.access.intro":  "每一次对您信息的查询和使用都会记录在案。这里显示最近 50 条。",
		"me.access.none":   "还没有任何查询记录。",
		"access.at":        "时间",
		"access.who":       "查询方",
		"access.action":    "操作",
		"access.purpose":   "事由",
		"access.result":    "结果",
		"who.person":       "本人",
		"who.public":       "社会公众",

		"action.record.read":             "读取记录",
		"action.record.submitted":        "报送记录",
		"action.subscription.delivered":  "推送给订阅机构",
		"action.public.query":            "公示查询",
		"action.public.read":             "查看公示记录",
		"action.objection.filed":         "提出异议",
		"action.objection.read":          "查看异议",
		"action.objection.listed":        "列出异议",
		"action.objection.decided":       "处理异议",
		"action.repair.filed":            "申请信用修复",
		"action.repair.read":             "查看修复申请",
		"action.repair.listed":           "列出修复申请",
		"action.repair.reviewed":         "审核修复申请",
		"action.list.query":              "红黑名单查询",
		"action.access_log.read":         "查看查询记录",
		"action.authorisation.granted":   "授权机构查询",
		"action.authorisation.withdrawn": "撤回查询授权",
		"action.inquiry.read":            "经授权查询记录",
		"result.ok":                      "成功",
		"result.not_found":               "未找到",
		"result.refused":                 "被拒绝",
		"result.identity_failed":         "身份不符",

		"case.title":              "办理详情",
		"case.number":             "受理编号",
		"case.kind":               "事项",
		"case.kind.objection":     "异议",
		"case.kind.repair":        "信用修复申请",
		"case.record":             "记录编号",
		"case.filed":              "提交日期",
		"case.status":             "状态",
		"case.deadline":           "办理期限",
		"case.deadline.filed":     "受理期限",
		"case.deadline.accepted":  "部门答复期限",
		"case.deadline.submitted": "审核期限",
		"case.files":              "附件",
		"case.outcome":            "处理结果",
		"case.reasons":            "理由",
		"deadline.left":           "%s 前（还有 %d 个工作日）",
		"deadline.past":           "%s（已到期）",
		"status.filed":            "已提交，等待受理",
		"status.accepted":         "已受理，等待部门答复；记录已标注“有异议”",
		"status.decided":          "已办结",
		"status.refused":          "未予受理或未通过",
		"status.submitted":        "已提交，等待审核",
		"status.approved":         "已通过，记录不再公示",
		"outcome.upheld":          "维持原记录",
		"outcome.corrected":       "记录已更正",
		"outcome.revoked":         "记录已撤销",

		"grounds.error":                           "记录有错误",
		"grounds.omission":                        "记录遗漏了重要内容",
		"grounds.duplicate":                       "记录重复",
		"grounds.should_not_be_public":            "不应公示",
		"grounds.shown_past_period":               "超过公示期仍在公示",
		"grounds.differs_from_deciding_authority": "与决定文书不一致",

		"field.grounds":    "异议理由",
		"field.statement":  "情况说明",
		"field.evidence":   "证明材料（可选）",
		"field.proof":      "已履行义务的证明材料",
		"field.commitment": "签署的信用承诺书",
		"field.record_id":  "记录编号",
		"field.name":       "姓名",
		"field.id_number":  "身份证号码",
		"field.file":       "%s 第 %d 个文件",
		"colon":            "：",

		"problem.required":    "请填写或上传。",
		"problem.too_many":    "文件太多了。",
		"problem.too_large":   "文件太大了。",
		"problem.empty":       "文件是空的。",
		"problem.media_type":  "只接受 PDF、JPEG 或 PNG 文件。",
		"problem.not_allowed": "请从列表中选择。",
		"problem.too_long":    "内容太长了。",
		"form.problems":       "请修改以下内容后重新提交：",
		"files.limits":        "最多 %d 个文件，每个不超过 %d MB，合计不超过 %d MB；格式：%s。",
		"error.upload":        "上传的文件无法读取。请重新选择文件后再提交。",

		"objection.title":          "对信用记录提出异议",
		"objection.intro":          "如果您认为这条记录有误，请说明理由。平台在 2 个工作日内受理，提供部门在受理后 10 个工作日内答复；期间这条记录会标注“有异议”。",
		"objection.grounds.choose": "请选择",
		"objection.statement.hint": "请写明哪里有误、正确的情况是什么。最多 4000 字。",
		"objection.submit":         "提交异议",
		"repair.title":             "申请信用修复",
		"repair.intro":             "失信记录在最短公示期满后，履行了相关义务的，可以申请信用修复。提供部门在 10 个工作日内审核；通过后，这条记录不再公示和共享。",
		"repair.statement.hint":    "请写明您如何履行了处罚或决定规定的义务。最多 4000 字。",
		"repair.submit":            "提交申请",
		"filed.title":              "已提交",
		"filed.token.intro":        "这是您的查询码。凭受理编号和查询码可以随时查看办理进度：",
		"filed.token.once":         "查询码只显示这一次，请现在抄下或保存。",
		"filed.back":               "返回我的信用记录",

		"track.title":     "查看办理进度",
		"track.intro":     "输入提交时得到的受理编号和查询码，查看异议或信用修复申请的办理进度。",
		"track.signed_in": "您已登录，也可以在“我的信用记录”中查看全部申请。",
		"track.case.hint": "以 obj_ 或 rpr_ 开头",
		"track.token":     "查询码",
		"track.submit":    "查看",
		"track.result":    "办理情况",
		"track.none":      "没有找到这个受理编号，或者查询码不对。请核对后重试。",

		"case.too_early":      "这条记录的最短公示期还没有结束，请从 %s 起再申请信用修复。",
		"case.not_found":      "没有找到。这条记录或申请可能不存在，或者不是关于您的。",
		"case.open.objection": "这条记录已经有一个正在办理的异议。您可以在“我的信用记录”中查看进度。",
		"case.open.repair":    "这条记录已经有一个正在审核的修复申请。您可以在“我的信用记录”中查看进度。",
		"case.revoked":        "这条记录已被撤销，不能再提出异议。",
		"case.not_repairable": "只有设有公示期的失信记录可以申请信用修复。",
		"case.display_ended":  "这条记录已经不再公示，无需修复。",

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

		"lists.title":         "Red and black lists",
		"lists.intro":         "The red list holds rewards for keeping faith; the black list holds serious dishonesty. Only what the law makes public is shown here; the rest of the lists is for the bodies entitled to it.",
		"lists.red":           "Red list",
		"lists.red.about":     "Records of these kinds put a person on the red list:",
		"lists.black":         "Black list",
		"lists.black.about":   "Records of these kinds put a person on the black list:",
		"lists.search":        "Look up whether someone is on a list",
		"lists.none":          "Nothing is publicly displayed.",
		"lists.red.results":   "Results: red list",
		"lists.black.results": "Results: black list",

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

		"signin.unconfigured": "The site is not connected to an identity provider yet, so no one can sign in.",
		"signin.unavailable":  "The identity provider cannot be reached just now. Please try again later.",
		"signin.expired":      "This sign-in has expired or is not valid. Select “Sign in” again.",
		"signin.refused":      "Signing in did not succeed. Select “Sign in” and try again.",
		"signin.needed":       "Sign in first, then send this form.",

		"me.title":         "My credit records",
		"me.person":        "Hello, %s (%s).",
		"me.records":       "Credit records about you",
		"me.records.intro": "These are all the records in force about you, including those not shown to the public. If one is wrong, object to it; after a negative record's minimum display period you may apply for credit repair.",
		"me.object":        "Object",
		"me.repair":        "Apply for credit repair",
		"me.records.none":  "There are no records in force about you.",
		"me.cases":         "My objections and repair applications",
		"me.cases.none":    "You have not filed an objection or a repair application.",
		"me.access":        "Who read my information",
		"me.access.intro":  "Every read and use of your information is recorded. These are the latest 50.",
		"me.access.none":   "No one has read your information yet.",
		"access.at":        "When",
		"access.who":       "Who",
		"access.action":    "What",
		"access.purpose":   "Why",
		"access.result":    "Result",
		"who.person":       "You",
		"who.public":       "The public",

		"action.record.read":             "Read records",
		"action.record.submitted":        "Submitted a record",
		"action.subscription.delivered":  "Sent to a subscribing agency",
		"action.public.query":            "Public look-up",
		"action.public.read":             "Read a public record",
		"action.objection.filed":         "Filed an objection",
		"action.objection.read":          "Read an objection",
		"action.objection.listed":        "Listed objections",
		"action.objection.decided":       "Decided an objection",
		"action.repair.filed":            "Applied for credit repair",
		"action.repair.read":             "Read a repair application",
		"action.repair.listed":           "Listed repair applications",
		"action.repair.reviewed":         "Reviewed a repair application",
		"action.list.query":              "Red and black list query",
		"action.access_log.read":         "Read the access log",
		"action.authorisation.granted":   "Authorised an agency to inquire",
		"action.authorisation.withdrawn": "Withdrew an authorisation",
		"action.inquiry.read":            "Inquired into records",
		"result.ok":                      "Done",
		"result.not_found":               "Nothing found",
		"result.refused":                 "Refused",
		"result.identity_failed":         "Identity did not match",

		"case.title":              "Case details",
		"case.number":             "Case number",
		"case.kind":               "Kind",
		"case.kind.objection":     "Objection",
		"case.kind.repair":        "Credit repair application",
		"case.record":             "Record",
		"case.filed":              "Filed on",
		"case.status":             "Status",
		"case.deadline":           "Deadline",
		"case.deadline.filed":     "To be accepted by",
		"case.deadline.accepted":  "Department to answer by",
		"case.deadline.submitted": "To be reviewed by",
		"case.files":              "Files",
		"case.outcome":            "Outcome",
		"case.reasons":            "Reasons",
		"deadline.left":           "%s (%d working days left)",
		"deadline.past":           "%s (passed)",
		"status.filed":            "Filed, waiting to be accepted",
		"status.accepted":         "Accepted, waiting for the department's answer; the record is marked disputed",
		"status.decided":          "Decided",
		"status.refused":          "Refused",
		"status.submitted":        "Submitted, waiting for review",
		"status.approved":         "Approved: the record is no longer shown",
		"outcome.upheld":          "The record stands",
		"outcome.corrected":       "The record was corrected",
		"outcome.revoked":         "The record was withdrawn",

		"grounds.error":                           "The record is wrong",
		"grounds.omission":                        "The record leaves out something that matters",
		"grounds.duplicate":                       "The record duplicates another",
		"grounds.should_not_be_public":            "It should not be public",
		"grounds.shown_past_period":               "It is shown past its display period",
		"grounds.differs_from_deciding_authority": "It differs from the decision document",

		"field.grounds":    "Grounds",
		"field.statement":  "Statement",
		"field.evidence":   "Evidence (optional)",
		"field.proof":      "Proof that you met your obligations",
		"field.commitment": "Your signed credit commitment",
		"field.record_id":  "Record",
		"field.name":       "Name",
		"field.id_number":  "ID number",
		"field.file":       "%s, file %d",
		"colon":            ": ",

		"problem.required":    "fill this in or attach a file.",
		"problem.too_many":    "too many files.",
		"problem.too_large":   "the file is too large.",
		"problem.empty":       "the file is empty.",
		"problem.media_type":  "only PDF, JPEG or PNG files are accepted.",
		"problem.not_allowed": "choose one from the list.",
		"problem.too_long":    "the text is too long.",
		"form.problems":       "Please correct the following and send the form again:",
		"files.limits":        "Up to %d files, each at most %d MB, %d MB in all; formats: %s.",
		"error.upload":        "The files sent cannot be read. Choose them again and send the form again.",

		"objection.title":          "Object to a credit record",
		"objection.intro":          "If you think this record is wrong, say why. The hub accepts an objection within 2 working days and the department answers within 10 working days after; meanwhile the record is marked disputed.",
		"objection.grounds.choose": "Choose one",
		"objection.statement.hint": "Say what is wrong and what is right. At most 4000 characters.",
		"objection.submit":         "Send the objection",
		"repair.title":             "Apply for credit repair",
		"repair.intro":             "After a negative record's minimum display period, if you have met the obligations it imposed, you may apply for credit repair. The department reviews it within 10 working days; once approved, the record is no longer shown or shared.",
		"repair.statement.hint":    "Say how you met the obligations of the penalty or decision. At most 4000 characters.",
		"repair.submit":            "Send the application",
		"filed.title":              "Sent",
		"filed.token.intro":        "This is your tracking code. With the case number and this code you can follow the case at any time:",
		"filed.token.once":         "The tracking code is shown only this once: copy or save it now.",
		"filed.back":               "Back to my credit records",

		"track.title":     "Follow a case",
		"track.intro":     "Enter the case number and tracking code you were given to see how your objection or repair application is going.",
		"track.signed_in": "You are signed in: all your cases are also under “My credit records”.",
		"track.case.hint": "Starts with obj_ or rpr_",
		"track.token":     "Tracking code",
		"track.submit":    "Show",
		"track.result":    "Where it stands",
		"track.none":      "No case has this number, or the tracking code is not right. Check them and try again.",

		"case.too_early":      "The record's minimum display period is not over yet: apply for credit repair from %s.",
		"case.not_found":      "Not found. The record or case may not exist, or it is not about you.",
		"case.open.objection": "This record already has an objection in progress. Follow it under “My credit records”.",
		"case.open.repair":    "This record already has a repair application under review. Follow it under “My credit records”.",
		"case.revoked":        "This record has been withdrawn; it takes no objection.",
		"case.not_repairable": "Only negative records with a display period can be repaired.",
		"case.display_ended":  "This record is no longer shown, so there is nothing to repair.",

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
