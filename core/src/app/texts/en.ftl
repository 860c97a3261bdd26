# QuetMa — the app's texts (English). Every id here must be in vi.ftl too.

## Common
back = Back
cancel = Cancel
done = Done
save = Save
edit = Edit
remove = Remove
delete = Delete
dismiss = Dismiss
not-now = Not now
today = Today
people-count = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
field-invalid = Not valid — please check
form-errors = { $count ->
    [one] 1 field to fix (marked red)
   *[other] { $count } fields to fix (marked red)
}
error-storage = Could not save on this phone. Try again; if it keeps failing, restart the app.
error-check-in = The check-in did not go through. Scan the code again.
error-visit-gone = That visit is no longer in your history.
need-profile = Add your details first (Profiles).

## Screen titles
title-home = QuetMa
title-scan = Scan a venue code
title-confirm = Confirm check-in
title-checked-in = Checked in
title-history = History
title-declaration = Health declaration
title-personal-qr = My QR code
title-profiles = Profiles
title-alerts = Alerts
title-settings = Settings
title-enrol = Venue scanner
title-checkpoint = Checkpoint
title-business-scan = Scanning visitors
title-manual = Enter by hand
title-share-code = Share my history with the health worker
title-share-preview = Check before sending
title-share-done = Sent

## Home
home-greeting = Hello, { $name }
home-first-run = Welcome to QuetMa
home-add-owner = Add your details
home-scan = Scan QR code
home-scan-a11y = Scan the QR code on a venue's poster to check in
home-my-qr = My code
home-visit-detail = { $name } · since { $since } · leaves at { $until }
home-alerts = { $count ->
    [one] You have a new exposure alert
   *[other] You have { $count } new exposure alerts
}
open-alerts = See alerts
check-out = Check out
check-out-a11y = Check { $name } out of { $venue }
checked-out = Checked out of { $venue }
menu-history = History
menu-declaration = Health declaration
menu-profiles = Family profiles
menu-alerts = Alerts
menu-settings = Settings
menu-business = Venue mode (scan visitors)
menu-share = Share my history with the health worker
reset-key-lost = This phone's security key was lost (phone restored or app reinstalled), so the old data can no longer be opened. The app started afresh: your earlier history, profiles and declarations are no longer on this phone.
reset-wrong-key = The security key does not open the old data. The app started afresh: your earlier history, profiles and declarations are no longer on this phone.
reset-corrupt = The data file on this phone was damaged. The app started afresh: your earlier history, profiles and declarations are no longer on this phone.
reminder-title = Still at { $venue }?
reminder-body = You will be checked out automatically at { $until }. If you have left, tap Check out.

## Scan
scan-camera-on = Camera on. Point it at the QR code on the poster.
scan-open-image = Open an image with a QR code
scan-open-image-a11y = Choose a photo or screenshot of a venue's QR code
scan-image-nothing = No QR code found in that image.
torch-on = Torch on
torch-off = Torch off
torch-is-on = Torch is on
torch-is-off = Torch is off
camera-denied = QuetMa needs the camera to scan codes. Allow it in Settings, or open an image of the code.
open-settings = Open Settings
hint-aim = Point the camera at the QR code on the poster
hint-aim-visitor = Point the camera at the visitor's QR code: phone, CCCD/BHYT card or personal QR card
hint-nothing = No QR code in view yet — fit the whole code in the frame
hint-too-small = The code is too small — move closer
hint-too-dark = Too dark — turn on the torch
hint-blurred = Hold still for a moment…
hint-bank = This is a bank transfer code (VietQR), not a check-in code
hint-payment = This is a payment code, not a check-in code
hint-link = This is a web link, not a QuetMa check-in code
hint-wifi = This is a Wi-Fi code, not a check-in code
hint-id-card = This is an ID card code (CCCD/BHYT) — venue staff scan it, not this screen
hint-personal = This is a personal QR code — show it to staff, do not scan it here
hint-enrolment = This is a code for adding a venue's staff scanner
hint-bad-poster = This venue code is not valid (possibly fake or damaged) — tell the venue
hint-poster-on-scanner = This is the venue's poster — scan the visitor's code
hint-foreign = This is not a QuetMa code

## Confirm
confirm-found = Found { $venue }
confirm-stay = Expected stay
confirm-leave-at = Checked out automatically at { $time } on { $date }
confirm-check-in = { $count ->
    [one] Check in 1 person
   *[other] Check in { $count } people
}
confirm-nobody = Choose at least one person
confirm-no-profile = Add your details to check in
stay-minutes = { $count } min
stay-hours = { $count ->
    [one] 1 hour
   *[other] { $count } hours
}
stay-days = { $count ->
    [one] 1 day
   *[other] { $count } days
}

## Thank you
thanks-headline = Thank you for checking in
thanks-times = In at { $since } · out at { $until }
thanks-a11y = Checked in to { $venue }. You will be checked out at { $until }.
thanks-cancel = Wrong venue? Cancel check-in
thanks-cancel-a11y = Cancel the check-in to { $venue }
check-in-cancelled = Check-in to { $venue } cancelled

## History
history-empty = No visits yet. Scan the QR code when you enter a venue.
history-retention = History is kept on this phone for { $days } days, then erased.
visit-open = Here now
edit-times = Edit times
edit-start = In
edit-end = Out
edit-invalid = Those times are not valid: out must be after in and not in the future.
visit-edited = Times at { $venue } changed
delete-visit-a11y = Delete the visit to { $venue }
delete-visit-question = Delete this visit from your history? A deleted visit is not used for exposure alerts.
visit-deleted = Visit deleted from your history

## Health declaration
consent-agree = I agree
consent-given = Consent recorded
consent-withdraw = Withdraw consent and delete declarations
consent-withdrawn = Consent withdrawn; the declarations were deleted
declaration-submit = Submit declaration
declaration-saved = Declaration for { $name } saved
declaration-last = Last declared on { $date }: { $status }
other-symptoms = Other symptoms (if any)
sex-male = Male
sex-female = Female
sex-other = Other

## Personal QR
qr-note = Show this code to the staff's scanner. It is a true 5 × 5 cm; the screen brightness is up.
qr-unavailable = The code could not be made: check the name in the profile.
qr-print = Print a QR card for a relative
qr-declaration = Health declaration { $date }: { $status }
qr-a11y = Personal QR code of { $name }

## Profiles
profile-add = Add someone
profile-edit = Edit details
profile-relation = Relation
profile-name = Full name
profile-birth-year = Year of birth
profile-id = ID number (optional)
profile-phone = Phone number
profile-phone-guardian = For someone without a phone: leave your number; health workers will call it.
profile-privacy = Kept encrypted on this phone only; when you check in, only the health authority can open it.
profile-saved = { $name } saved
profile-invalid = Details not valid: a name is needed; a phone number has 9–15 digits.
profile-invalid-year = The year of birth is not valid
profile-removed = Removed, with everything kept about them
edit-profile-a11y = Edit { $name }'s details
remove-profile-a11y = Remove { $name }
remove-profile-question = Remove this person with their history and declarations?

## Alerts
alerts-empty = No alerts. The app tells you if you were at the same place at the same time as a confirmed case.
alert-high = You may have been in close contact
alert-low = You were at the same venue as a confirmed case
alert-detail = { $venue } · { $name } · { $date }, { $from }–{ $to }
alert-steps-high = Self-isolate, wear a mask and call your ward health station or 1900 9095.
alert-steps-low = Watch your health for 14 days; with fever, cough or shortness of breath call your health station or 1900 9095.
alert-open = Details
alerts-withdrawn = The health authority withdrew an alert

## Settings
export-json = Export history (JSON)
export-csv = Export history (CSV)
export-note = The file lists venues with times in and out; send it to a contact tracer when asked.
export-title = QuetMa history
reset = Erase all data
reset-question = Erase profiles, history, declarations and alerts from this phone? This cannot be undone.
reset-confirm = Erase everything
reset-done = All data on this phone erased
language-changed = Switched to English
privacy-summary = Data is encrypted on this phone and erased after { $days } days. The server only receives venue codes, times and sealed contact details that only the health authority can open.

## Sync
sync-no-server = Not connected to a server
sync-running = Syncing…
sync-pending = { $count ->
    [one] 1 item waiting to be sent
   *[other] { $count } items waiting to be sent
}
sync-done-at = Synced at { $time }
sync-never = Not synced yet
sync-now = Sync now
sync-offline = No network — will send later by itself
sync-server-down = The server has a problem — will send later by itself
sync-not-enrolled = This phone is not allowed to scan for the venue
sync-refused = The server refused the request
sync-busy = The server is busy — will retry in a few minutes
sync-bad-signature = A list from the server had a wrong signature — ignored
sync-bad-answer = The server's answer was not valid — will retry later
sync-config = The server settings are not valid
sync-cancelled = Sync stopped

## Venue mode
enrol-text = On the portal, the venue owner taps "Add a scanner" to show a QR code. Scan it with this phone.
enrol-offline = The app is not connected to a server, so it cannot become a scanner.
enrol-scan = Scan the scanner code
enrol-code = Or type the code
enrol-button = Use this phone to scan visitors
enrol-code-read = Scanner code read. Tap "Use this phone to scan visitors".
enrol-code-used = The code was used or has expired — make a new one on the portal.
enrol-other-deployment = This code belongs to another system and cannot be used here.
enrol-continue = Continue scanning for { $venue }
enrolled = This phone now scans for { $venue }
checkpoint-intro = Name the checkpoint (e.g. "Main gate") and choose which way visitors pass.
checkpoint-name = Checkpoint name
checkpoint-direction = Direction
checkpoint-invalid = The checkpoint name needs 1 to 60 characters.
start-scanning = Start scanning
stop-scanning = Stop scanning
leave-business = Stop being the venue's scanner
biz-camera-on = Camera on. Hold the visitor's code in the frame.
manual-entry = Enter a visitor without a code
manual-intro = For visitors with no phone or card. A name and a phone or ID number are needed. Sealed at once.
manual-name = Full name
manual-phone = Phone number
manual-id = ID number
manual-birth-year = Year of birth
manual-save = Record visitor
outcome-accepted = Counted
outcome-duplicate = Already counted
outcome-duplicate-detail = { $who } — scanned { $minutes } min ago, not counted again
outcome-rejected = Not counted
counts-today = Today: { $entries } in, { $exits } out, { $people } people
source-personal = personal QR
source-cccd = CCCD card
source-bhyt = BHYT card
source-national = national QR
source-manual = typed in

## Links
link-bad-poster = This venue link is not valid (possibly fake). Scan the code on the poster.
link-unknown = This link is not a QuetMa link.

## Share my history with the health worker
share-intro = If you are confirmed ill, the health worker gives you a case code (as text or a QR code). Type or scan it: you will see exactly which check-ins are sent before anything is sent.
share-code-label = Case code
share-code-help = For example: 14ABCD EFGH IJKL MNOP (the first 2 digits are the days of history asked for)
share-next = Continue
share-scan = Scan the health worker's QR code
share-code-empty = Type the code the health worker gave you.
share-code-invalid = That is not a case code. It has 2 digits, then 16 letters or digits — please check it.
share-code-read = Case code read. Check the check-ins that will be sent.
share-other-deployment = This code belongs to another system and cannot be used here.
share-window = The health worker asks for the last { $days } days (since { $since }). Only the check-ins ticked below will be sent.
share-consent = It is your choice: untick any you do not want to send. Only places and times are sent — not your name, phone number or ID. Nothing is sent before you tap Send.
share-summary = { $total ->
    [one] { $count } of 1 check-in will be sent.
   *[other] { $count } of { $total } check-ins will be sent.
}
share-too-many = At most { $max } check-ins can be sent at once — untick some.
share-empty = There are no check-ins from the last { $days } days on this phone, so there is nothing to send. Please tell the health worker.
share-send = Send { $count } check-ins
share-sending = Sending…
share-visit-a11y-on = { $venue }, { $day }, { $times }. Will be sent. Tap to untick.
share-visit-a11y-off = { $venue }, { $day }, { $times }. Not sent. Tap to tick.
share-ticked = { $venue } will be sent
share-unticked = { $venue } will not be sent
share-no-server = The app is not connected to a server, so it cannot send yet.
share-done = { $count ->
    [one] Sent 1 check-in to the health worker
   *[other] Sent { $count } check-ins to the health worker
}
share-done-text = Thank you. The health worker will tell the people who may have been in contact, without naming you.
share-retry = Try again
share-other-code = Type another code
share-code-refused = The code is wrong, already used or expired. Ask the health worker for a new one.
share-outside-window = The server refused a check-in outside the days asked for. Check the phone's date and time, then try again.
share-offline = Not sent: no network. Your history is still on the phone — try again when you are online.
share-not-sent = Not sent; your history is still on the phone. Please try again.

## Visitor's phone number (after a card scan)
visitor-phone-ask = The card has no phone number. Ask { $who } for one, so health workers can call if needed (optional).
visitor-phone-label = Visitor's phone number
visitor-phone-skip = Skip
visitor-phone-saved = Phone number saved
