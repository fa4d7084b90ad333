"""What the demo community says: a support community for Tallybook, a fictional invoicing and
bookkeeping service. Data only; app/demo.py writes it through the service functions."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    reason: str
    append: str = ""  # added to the end of the body
    title: str | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Answer:
    by: str
    body: str
    votes: int = 0  # up (positive) or down (negative) votes from other demo users
    accepted: bool = False
    edit: Edit | None = None


@dataclass(frozen=True)
class Question:
    by: str
    category: str
    title: str
    body: str
    tags: tuple[str, ...]
    answers: tuple[Answer, ...] = ()
    votes: int = 0
    edit: Edit | None = None
    accepted_by: str | None = None  # default: the asker


PASSWORD = "demo-password"
PEOPLE = [("admin", "admin"), ("mod", "moderator"), ("agent", "support"),
          ("ada", "member"), ("grace", "member"), ("linus", "member"),
          ("maria", "member"), ("ken", "member")]
CATEGORIES = [
    ("Getting started", "Installing, signing in and first steps."),
    ("Billing", "Invoices, plans and payment methods."),
    ("Integrations", "APIs, webhooks and connecting other tools."),
    ("Mobile app", "The iPhone and Android apps: offline work, receipts and notifications."),
    ("Reports & exports", "Profit and loss, receivables, CSV and PDF exports."),
    ("Account & security", "Two-factor sign-in, single sign-on, team members and the audit log."),
    ("Ideas & feedback", "Suggestions for the Tallybook team; vote for the ones you want."),
]

Q, A = Question, Answer
THREADS = [
    Q("ada", "Getting started", "How do I reset my password if I lost access to my email?",
      "I changed jobs and no longer have my old work address. How can I get back into my account?",
      ("account", "password"), votes=3, answers=(
          A("grace", "Open **Settings → Security** from any signed-in device and add a new address "
                     "first. If you are locked out entirely, support can verify you by your last "
                     "invoice number.", votes=4, accepted=True),
          A("linus", "Support fixed this for me in a day; have your invoice number ready.", 1))),
    Q("grace", "Getting started", "Importing customers from a spreadsheet: which columns are required?",
      "I have about 400 customers in Excel. The importer keeps saying *row 2: missing field* "
      "but doesn't say which one.", ("import", "customers"), votes=2, answers=(
          A("agent", "Only **Name** and **Email** are required. The importer also refuses a row "
                     "whose *Currency* is not a three-letter code (`EUR`, not `€`).\n\n"
                     "Save the sheet as CSV (UTF-8), then use **Customers → Import → Check file** "
                     "first: it lists every problem with its column before anything is created.",
            votes=5, accepted=True),)),
    Q("linus", "Getting started", "Can I use one login for two separate businesses?",
      "I run a bike repair shop and do freelance web work on the side. Can both live under one "
      "Tallybook login, with separate invoice numbering?", ("organisations",), answers=(
          A("ada", "Yes: open the organisation switcher (your name, top left) and pick **New "
                   "organisation**. Each one has its own numbering, bank accounts and plan; you "
                   "sign in once and switch between them.", 2),)),
    Q("maria", "Getting started", "Where do I put my company logo on invoices?",
      "The invoice preview shows a grey box where the logo should go.", ("invoices", "branding"),
      answers=(A("grace", "**Settings → Invoice design → Logo**. PNG or SVG, at most 1 MB. The grey "
                          "box is the placeholder until you upload one.", 2, accepted=True),)),
    Q("ken", "Getting started", "Invited teammate never got the invitation email",
      "I invited our bookkeeper three times. Nothing arrives, not even in spam.",
      ("team", "email"), votes=1,
      edit=Edit("Added which mail provider we use",
                append="\n\n**Update:** we are on Microsoft 365 with the default spam policy."),
      answers=(A("agent", "Microsoft 365 quarantines first-time senders. Ask your admin to release "
                          "the message in the *Quarantine* page and allow `noreply@tallybook.example`."
                          " Then use **Resend invitation** on the Team page: the old link expires.",
                 3, accepted=True),)),
    Q("ada", "Getting started", "What is the difference between a draft and an approved invoice?",
      "Do approved invoices get sent automatically? I don't want a customer to see a half-done one.",
      ("invoices",), answers=(
          A("linus", "Approving only gives the invoice its number and locks the amounts. Nothing "
                     "is sent until you press **Send** or a schedule does it.", 1),)),
    Q("grace", "Billing", "Can I switch from monthly to annual billing mid-cycle?",
      "We are on the monthly plan and want to move to annual. Do we lose the days already paid?",
      ("billing", "plans"), answers=(
          A("ada", "Yes. The unused part of the month is credited pro rata to the annual invoice.",
            3, accepted=True),)),
    Q("ken", "Billing", "Our VAT number is missing from Tallybook's invoice to us",
      "Our accountant needs the VAT number on the subscription invoice for the reverse charge.",
      ("vat", "billing"), answers=(
          A("agent", "Add it under **Billing → Company details → Tax ID**. It is printed on every "
                     "invoice from then on; for past ones press **Regenerate** next to the invoice.",
            4, accepted=True),)),
    Q("linus", "Billing", "Card declined on renewal, but the bank says nothing was blocked",
      "Renewal failed twice with *card declined*. My bank sees no attempt at all.",
      ("payments", "billing"), answers=(
          A("grace", "That was 3-D Secure for me: the renewal needs you to confirm in your banking "
                     "app and the prompt only appears if you pay from **Billing → Pay now**.", 2),
          A("agent", "When the bank sees nothing, the attempt stopped at the card network. Update "
                     "the card under **Billing → Payment method** even if it is the same card; "
                     "that refreshes the token and retries at once.", 1))),
    Q("maria", "Billing", "Do you offer a discount for non-profits?",
      "We are a registered charity with three volunteers doing the books.", ("plans", "pricing"),
      answers=(A("agent", "Yes, 30% on every plan. Send your registration certificate from "
                          "**Billing → Request a discount** and it applies from the next invoice.",
                 3, accepted=True),)),
    Q("ada", "Billing", "Downgrading: what happens to team members over the new seat limit?",
      "We go from Business (10 seats) to Standard (5 seats) but have 7 people.",
      ("plans", "team"), votes=1),
    Q("grace", "Billing", "Send Tallybook's invoices to our accounts payable address",
      "Invoices for our subscription come to me and then sit in my inbox.", ("billing", "email"),
      answers=(A("ada", "Add accounts payable under **Billing → Billing contacts**; every invoice "
                        "and receipt goes to all contacts listed there.", 2, accepted=True,
                 edit=Edit("The menu was renamed in the March release",
                           append="\n\n(It used to be called *Invoice recipients*.)")),)),
    Q("linus", "Integrations", "Webhook deliveries fail with a 401 from our endpoint",
      "Our endpoint verifies signatures but every delivery is refused. What are we missing?",
      ("webhooks", "api"), votes=2, answers=(
          A("grace", "Check that you sign `id.timestamp.body` with the raw body bytes, not "
                     "re-serialised JSON. Re-serialising changes whitespace and the HMAC no longer "
                     "matches.", 3),
          A("ken", "Also check the clock on your server: deliveries older than five minutes are "
                   "refused by most verification libraries.", 1))),
    Q("ada", "Integrations", "Is there a rate limit on the JSON API?",
      "We plan to sync a few thousand records each night. Will we be throttled?", ("api",),
      answers=(A("agent", "600 requests a minute per token. Past that you get `429` with a "
                          "`Retry-After` header; wait that many seconds and carry on. For nightly "
                          "syncs use the list endpoints with `limit=100` and the cursor.",
                 2, accepted=True),)),
    Q("ken", "Integrations", "Zapier trigger fires twice for every paid invoice",
      "Each payment creates two rows in our Google Sheet.", ("zapier", "webhooks"),
      edit=Edit("Added what the Zap history shows",
                append="\n\nThe Zap history shows two runs a second apart, both *Invoice paid*."),
      answers=(A("linus", "Two runs a second apart usually means two Zaps: one you made and one "
                          "from the template gallery. Check **My Zaps** for a second one using "
                          "the *Invoice paid* trigger.", 2),)),
    Q("maria", "Integrations", "Xero sync: payments show up as unreconciled",
      "Invoices sync fine but every payment lands in Xero as an unreconciled transaction.",
      ("xero", "accounting"), answers=(
          A("agent", "Map Tallybook's payment account to the Xero bank account you reconcile "
                     "against: **Integrations → Xero → Account mapping**. Payments synced before "
                     "the change stay where they are.", 1),)),
    Q("grace", "Integrations", "OAuth app: redirect URI mismatch",
      "Our integration gets *redirect_uri_mismatch* although the URL looks identical.",
      ("oauth", "api"), answers=(
          A("linus", "It must match exactly, including the trailing slash and `http` vs `https`. "
                     "`https://app.example/callback` and `https://app.example/callback/` differ.",
            4, accepted=True),)),
    Q("ada", "Integrations", "Is there a sandbox for testing the API?",
      "I'd rather not create test invoices in our real books.", ("api", "testing"), votes=2),
    Q("linus", "Integrations", "Webhook events arrive out of order",
      "Sometimes *invoice.paid* reaches us before *invoice.sent*.", ("webhooks",), answers=(
          A("grace", "Deliveries are retried independently, so order is not guaranteed. Compare "
                     "each event's `created_at` with what you stored, or fetch the invoice from "
                     "the API when an event arrives and trust its current state.", 3,
            accepted=True),)),
    Q("maria", "Mobile app", "Android app stuck on 'Syncing…' after the update",
      "Since this morning's update the app just spins on *Syncing…*.", ("android", "sync"),
      votes=2, answers=(
          A("ken", "Clearing the app cache (not the data) got mine going.", 1),
          A("agent", "This was a bug in 4.12.0 with attachments over 10 MB; 4.12.1 fixes it and "
                     "is rolling out in the Play Store now.", 4, accepted=True))),
    Q("ada", "Mobile app", "Can I create invoices offline on the iPhone app?",
      "I do site visits with no signal.", ("ios", "offline"), answers=(
          A("grace", "Yes: drafts are saved on the phone and numbered and sent once you are back "
                     "online. Approving needs a connection so numbers never clash.", 2,
            accepted=True),)),
    Q("ken", "Mobile app", "Push notifications for paid invoices stopped on iOS 18",
      "Notifications are allowed in Settings but none arrive.", ("ios", "notifications")),
    Q("grace", "Mobile app", "Scanned receipts come out rotated",
      "Receipts photographed in portrait are stored sideways.", ("receipts", "android"), answers=(
          A("linus", "Turn off *Auto-crop* under **Settings → Scanning** for now; the rotation "
                     "comes from the crop step.", 1),)),
    Q("linus", "Reports & exports", "Export every invoice as PDF for my accountant",
      "Year end. Clicking each invoice is not an option.", ("export", "pdf"), votes=1, answers=(
          A("agent", "**Reports → Exports → Invoices as PDF**, pick the date range, and you get "
                     "an email with a ZIP link when it's ready (valid for 7 days).", 3,
            accepted=True),)),
    Q("maria", "Reports & exports", "Profit and loss doesn't match my bank balance",
      "The report says we made a profit of €4,200 in May but the bank only grew by €1,100.",
      ("reports", "accounting"),
      edit=Edit("Clarified that it is the cash basis view", title="Profit and loss (cash basis) "
                "doesn't match my bank balance"),
      answers=(A("ada", "Profit isn't cash: unpaid invoices count as income on the accrual basis. "
                        "Switch the report to **Cash basis** to see money in and out only, then "
                        "the difference is owner drawings and loan repayments.", 3,
                 accepted=True),)),
    Q("ada", "Reports & exports", "Email a monthly report to my business partner",
      "She doesn't have a login and doesn't want one.", ("reports", "email"), answers=(
          A("grace", "Open the report, **Schedule → Monthly**, and add her address; recipients "
                     "don't need an account.", 1),)),
    Q("ken", "Reports & exports", "CSV export shows broken characters in Excel",
      "Names like *Müller* come out as *MÃ¼ller*.", ("export", "csv"), answers=(
          A("linus", "The file is UTF-8; Excel guesses another encoding. Use **Data → From "
                     "Text/CSV** and choose *65001: Unicode (UTF-8)*, or tick *Excel-friendly "
                     "CSV* in the export dialog.", 2, accepted=True),)),
    Q("grace", "Reports & exports", "Custom date range in the aged receivables report?",
      "I can only pick *today*; I need it as at the end of the quarter.",
      ("reports", "receivables")),
    Q("ada", "Account & security", "Two-factor codes rejected after switching phones",
      "I moved my authenticator app to a new phone and every code is *invalid*.",
      ("2fa", "security"), votes=1, answers=(
          A("agent", "Check the new phone's clock is set automatically: codes are time-based. "
                     "If that isn't it, sign in with one of your recovery codes and set up "
                     "two-factor again under **Settings → Security**.", 3, accepted=True),)),
    Q("linus", "Account & security", "Single sign-on with Google Workspace",
      "We'd like staff to sign in with their Google accounts.", ("sso", "security"), answers=(
          A("agent", "SSO is on the Business plan: **Settings → Security → Single sign-on**, "
                     "choose Google and verify your domain with a DNS TXT record.", 2),)),
    Q("maria", "Account & security", "Who changed a client's payment terms?",
      "A client's terms went from 30 to 60 days and nobody remembers doing it.",
      ("audit", "team"), answers=(
          A("mod", "**Settings → Audit log**, filter by the client: every change shows who, "
                   "when, and the old and new value.", 2, accepted=True),)),
    Q("ken", "Account & security", "Remove a former employee but keep their invoices",
      "Will deleting his user delete the invoices he created?", ("users",),
      edit=Edit("Better tags", tags=("team", "users")),
      answers=(A("grace", "No. **Deactivate** him on the Team page: he can't sign in, his seat is "
                          "freed and everything he created stays, still showing his name.", 3,
                 accepted=True),)),
    Q("grace", "Ideas & feedback", "Idea: recurring invoices with a different amount each month",
      "We bill hours monthly: same customer, same day, different amount.",
      ("recurring", "idea"), votes=5, answers=(
          A("agent", "Thanks! Usage-based lines on recurring invoices are planned; for now a "
                     "recurring *draft* lets you fill in the hours before it is sent.", 2),)),
    Q("linus", "Ideas & feedback", "Dark mode for the web app", "Late-night bookkeeping hurts.",
      ("idea", "design"), votes=4),
    # Worded as the help team would write them, not as customers ask ("where are my bills",
    # "the app crashes", "cancel my account"): search by meaning has to find them.
    Q("maria", "Billing", "Locating past statements and receipts for a subscription",
      "Our bookkeeper needs every statement Tallybook issued us last year. Which screen keeps "
      "the history of charges?", ("invoices", "receipts"), votes=2, answers=(
          A("agent", "Every statement is under **Settings → Plan & payments → Billing history**; "
                     "each row has a PDF receipt and **Download all** makes one ZIP for a year.",
            votes=3, accepted=True),)),
    Q("ken", "Mobile app", "Handset app terminates immediately after launch",
      "Since this morning the Android app closes the moment its splash screen appears.",
      ("android", "crash"), votes=1, answers=(
          A("linus", "Clearing the app's storage (**Android settings → Apps → Tallybook → "
                     "Storage → Clear storage**) fixed it for me; you sign in again afterwards.",
            votes=2),
          A("agent", "Version 4.12.2 fixes a start-up fault on Android 15; update from the "
                     "Play Store. Clearing storage works around it until then.", votes=4,
            accepted=True))),
    Q("grace", "Billing", "Terminating the subscription and erasing company data",
      "We are closing the business. What is the procedure to end the plan and have our records "
      "deleted?", ("plan", "privacy"), answers=(
          A("agent", "The account owner can end the plan under **Settings → Plan & payments → "
                     "End subscription**. Export first: 30 days later everything is erased, and "
                     "we email a deletion confirmation.", votes=2, accepted=True),)),
]
