# QuetMa — chuỗi hiển thị của ứng dụng (tiếng Việt). Mỗi mã trong tệp này phải có trong en.ftl.
# Biến: { $name } … Số nhiều: tiếng Việt không đổi dạng.

## Chung
back = Quay lại
cancel = Huỷ
done = Xong
save = Lưu
edit = Sửa
remove = Xoá
delete = Xoá
dismiss = Đóng
not-now = Để sau
today = Hôm nay
people-count = { $count } người
field-invalid = Chưa hợp lệ — hãy kiểm tra lại
form-errors = Còn { $count } mục cần sửa (đánh dấu đỏ)
error-storage = Không lưu được trên máy. Hãy thử lại; nếu vẫn lỗi, khởi động lại ứng dụng.
error-check-in = Không khai báo được lần này. Hãy quét lại mã.
error-visit-gone = Lượt này không còn trong lịch sử.
need-profile = Hãy thêm thông tin của bạn trước (mục Hồ sơ).

## Tiêu đề màn hình
title-home = QuetMa
title-scan = Quét mã địa điểm
title-confirm = Xác nhận vào
title-checked-in = Đã khai báo
title-history = Lịch sử
title-declaration = Khai báo y tế
title-personal-qr = Mã QR cá nhân
title-profiles = Hồ sơ
title-alerts = Cảnh báo
title-settings = Cài đặt
title-enrol = Máy quét của cơ sở
title-checkpoint = Điểm quét
title-business-scan = Đang quét khách
title-manual = Nhập tay
title-share-code = Chia sẻ lịch sử cho cán bộ y tế
title-share-preview = Xem lại trước khi gửi
title-share-done = Đã gửi

## Trang chủ
home-greeting = Xin chào, { $name }
home-first-run = Chào mừng bạn đến với QuetMa
home-add-owner = Thêm thông tin của bạn
home-scan = Quét mã QR
home-scan-a11y = Quét mã QR trên áp phích của địa điểm để khai báo khi vào
home-my-qr = Mã của tôi
home-visit-detail = { $name } · từ { $since } · tự ra lúc { $until }
home-alerts = Bạn có { $count } cảnh báo tiếp xúc mới
open-alerts = Xem cảnh báo
check-out = Ra về
check-out-a11y = Ra về khỏi { $venue } cho { $name }
checked-out = Đã ra về khỏi { $venue }
menu-history = Lịch sử
menu-declaration = Khai báo y tế
menu-profiles = Hồ sơ gia đình
menu-alerts = Cảnh báo
menu-settings = Cài đặt
menu-business = Chế độ cơ sở (quét khách)
menu-share = Chia sẻ lịch sử cho cán bộ y tế
reset-key-lost = Khoá bảo mật của máy đã mất (khôi phục máy hoặc cài lại), nên dữ liệu cũ không mở được nữa. Ứng dụng đã bắt đầu lại từ đầu: lịch sử, hồ sơ và tờ khai trước đây không còn trên máy.
reset-wrong-key = Khoá bảo mật không mở được dữ liệu cũ. Ứng dụng đã bắt đầu lại: lịch sử, hồ sơ và tờ khai trước đây không còn trên máy.
reset-corrupt = Tệp dữ liệu trên máy bị hỏng. Ứng dụng đã bắt đầu lại: lịch sử, hồ sơ và tờ khai trước đây không còn trên máy.
reminder-title = Bạn vẫn ở { $venue }?
reminder-body = Ứng dụng sẽ tự ghi ra về lúc { $until }. Nếu đã rời đi, bấm Ra về.

## Quét
scan-camera-on = Máy ảnh đã bật. Hướng vào mã QR trên áp phích.
scan-open-image = Mở ảnh có mã QR
scan-open-image-a11y = Chọn ảnh chụp hoặc ảnh màn hình có mã QR của địa điểm
scan-image-nothing = Không thấy mã QR nào trong ảnh này.
torch-on = Bật đèn
torch-off = Tắt đèn
torch-is-on = Đèn đã bật
torch-is-off = Đèn đã tắt
camera-denied = QuetMa cần máy ảnh để quét mã. Hãy cho phép trong Cài đặt, hoặc mở ảnh có mã QR.
open-settings = Mở Cài đặt
hint-aim = Hướng máy ảnh vào mã QR trên áp phích
hint-aim-visitor = Hướng máy ảnh vào mã QR của khách: điện thoại, thẻ CCCD/BHYT hoặc thẻ QR cá nhân
hint-nothing = Chưa thấy mã QR nào — hãy để mã nằm trọn trong khung
hint-too-small = Mã quá nhỏ — hãy đưa máy lại gần hơn
hint-too-dark = Quá tối — hãy bật đèn
hint-blurred = Giữ yên máy một chút…
hint-bank = Đây là mã chuyển khoản ngân hàng (VietQR), không phải mã khai báo
hint-payment = Đây là mã thanh toán, không phải mã khai báo
hint-link = Đây là một đường dẫn web, không phải mã khai báo của QuetMa
hint-wifi = Đây là mã Wi-Fi, không phải mã khai báo
hint-id-card = Đây là mã trên thẻ (CCCD/BHYT) — để nhân viên cơ sở quét, không quét ở đây
hint-personal = Đây là mã QR cá nhân — để đưa cho nhân viên quét, không quét ở đây
hint-enrolment = Đây là mã thêm máy quét cho nhân viên cơ sở
hint-bad-poster = Mã địa điểm này không hợp lệ (có thể bị giả hoặc hỏng) — hãy báo cho cơ sở
hint-poster-on-scanner = Đây là áp phích của địa điểm — hãy quét mã của khách
hint-foreign = Đây không phải mã của QuetMa

## Xác nhận
confirm-found = Đã thấy { $venue }
confirm-stay = Dự kiến ở lại
confirm-leave-at = Tự ra về lúc { $time } ngày { $date }
confirm-check-in = Khai báo vào cho { $count } người
confirm-nobody = Hãy chọn ít nhất một người
confirm-no-profile = Hãy thêm thông tin của bạn để khai báo
stay-minutes = { $count } phút
stay-hours = { $count } giờ
stay-days = { $count } ngày

## Cảm ơn
thanks-headline = Cảm ơn bạn đã khai báo
thanks-times = Vào lúc { $since } · tự ra lúc { $until }
thanks-a11y = Đã khai báo vào { $venue }. Tự ra về lúc { $until }.
thanks-cancel = Nhầm địa điểm? Huỷ khai báo
thanks-cancel-a11y = Huỷ khai báo vào { $venue }
check-in-cancelled = Đã huỷ khai báo vào { $venue }

## Lịch sử
history-empty = Chưa có lượt nào. Quét mã QR khi vào một địa điểm.
history-retention = Lịch sử được giữ { $days } ngày trên máy rồi tự xoá.
visit-open = Đang ở đây
edit-times = Sửa giờ
edit-start = Giờ vào
edit-end = Giờ ra
edit-invalid = Giờ không hợp lệ: giờ ra phải sau giờ vào và không ở tương lai.
visit-edited = Đã sửa giờ ở { $venue }
delete-visit-a11y = Xoá lượt ở { $venue }
delete-visit-question = Xoá lượt này khỏi lịch sử? Lượt đã xoá không được dùng để cảnh báo tiếp xúc.
visit-deleted = Đã xoá lượt khỏi lịch sử

## Khai báo y tế
consent-agree = Tôi đồng ý
consent-given = Đã ghi nhận sự đồng ý
consent-withdraw = Rút lại đồng ý và xoá các tờ khai
consent-withdrawn = Đã rút lại đồng ý; các tờ khai đã bị xoá
declaration-submit = Gửi tờ khai
declaration-saved = Đã lưu tờ khai của { $name }
declaration-last = Khai lần cuối ngày { $date }: { $status }
other-symptoms = Triệu chứng khác (nếu có)
sex-male = Nam
sex-female = Nữ
sex-other = Khác

## Mã QR cá nhân
qr-note = Đưa mã này cho nhân viên quét. Mã có kích thước thật 5 × 5 cm; độ sáng màn hình đã tăng.
qr-unavailable = Chưa tạo được mã: hãy kiểm tra họ tên trong hồ sơ.
qr-print = In thẻ QR cho người thân
qr-declaration = Khai y tế ngày { $date }: { $status }
qr-a11y = Mã QR cá nhân của { $name }

## Hồ sơ
profile-add = Thêm người
profile-edit = Sửa thông tin
profile-relation = Quan hệ
profile-name = Họ và tên
profile-birth-year = Năm sinh
profile-id = Số CCCD / giấy tờ (không bắt buộc)
profile-phone = Số điện thoại
profile-phone-guardian = Người không có điện thoại: để số của bạn, cơ quan y tế sẽ gọi số này.
profile-privacy = Thông tin chỉ lưu mã hoá trên máy này; khi khai báo, chỉ cơ quan y tế mở được.
profile-saved = Đã lưu { $name }
profile-invalid = Thông tin chưa hợp lệ: cần họ tên; số điện thoại 9–15 chữ số.
profile-invalid-year = Năm sinh không hợp lệ
profile-removed = Đã xoá người này và mọi dữ liệu của họ
edit-profile-a11y = Sửa thông tin của { $name }
remove-profile-a11y = Xoá { $name }
remove-profile-question = Xoá người này cùng lịch sử và tờ khai của họ?

## Cảnh báo
alerts-empty = Không có cảnh báo nào. Ứng dụng sẽ báo nếu bạn từng ở cùng nơi, cùng lúc với ca bệnh.
alert-high = Có thể bạn đã tiếp xúc gần
alert-low = Bạn đã ở cùng địa điểm với ca bệnh
alert-detail = { $venue } · { $name } · { $date }, { $from }–{ $to }
alert-steps-high = Hãy tự cách ly, đeo khẩu trang và gọi trạm y tế phường hoặc 1900 9095.
alert-steps-low = Theo dõi sức khoẻ 14 ngày; nếu sốt, ho, khó thở, gọi trạm y tế hoặc 1900 9095.
alert-open = Xem chi tiết
alerts-withdrawn = Một cảnh báo đã được cơ quan y tế rút lại

## Cài đặt
export-json = Xuất lịch sử (JSON)
export-csv = Xuất lịch sử (CSV)
export-note = Tệp gồm các địa điểm và giờ vào, ra; dùng để gửi cho cán bộ truy vết khi được yêu cầu.
export-title = Lịch sử QuetMa
reset = Xoá toàn bộ dữ liệu
reset-question = Xoá hồ sơ, lịch sử, tờ khai và cảnh báo khỏi máy này? Không thể hoàn tác.
reset-confirm = Xoá hết
reset-done = Đã xoá toàn bộ dữ liệu trên máy
language-changed = Đã chuyển sang tiếng Việt
privacy-summary = Dữ liệu được mã hoá trên máy và tự xoá sau { $days } ngày. Máy chủ chỉ nhận mã địa điểm, giờ và thông tin liên lạc đã niêm phong mà chỉ cơ quan y tế mở được.

## Đồng bộ
sync-no-server = Chưa kết nối máy chủ
sync-running = Đang đồng bộ…
sync-pending = { $count } mục chờ gửi
sync-done-at = Đã đồng bộ lúc { $time }
sync-never = Chưa đồng bộ lần nào
sync-now = Đồng bộ ngay
sync-offline = Không có mạng — sẽ tự gửi lại sau
sync-server-down = Máy chủ đang gặp sự cố — sẽ tự gửi lại sau
sync-not-enrolled = Máy này chưa được cơ sở cho phép quét
sync-refused = Máy chủ từ chối yêu cầu
sync-busy = Máy chủ đang bận — sẽ thử lại sau ít phút
sync-bad-signature = Danh sách từ máy chủ không đúng chữ ký — đã bỏ qua
sync-bad-answer = Máy chủ trả lời không hợp lệ — sẽ thử lại sau
sync-config = Cấu hình máy chủ không hợp lệ
sync-cancelled = Đã dừng đồng bộ

## Chế độ cơ sở
enrol-text = Trên cổng thông tin, chủ cơ sở bấm "Thêm máy quét" để hiện mã QR. Quét mã đó bằng máy này.
enrol-offline = Ứng dụng chưa kết nối máy chủ nên không thêm máy quét được.
enrol-scan = Quét mã thêm máy
enrol-code = Hoặc nhập mã
enrol-button = Dùng máy này để quét khách
enrol-code-read = Đã đọc mã thêm máy. Bấm "Dùng máy này để quét khách".
enrol-code-used = Mã đã dùng hoặc đã hết hạn — hãy tạo mã mới trên cổng thông tin.
enrol-other-deployment = Mã này thuộc hệ thống khác, không dùng được ở đây.
enrol-continue = Tiếp tục quét cho { $venue }
enrolled = Máy này đã là máy quét của { $venue }
checkpoint-intro = Đặt tên điểm quét (ví dụ "Cổng chính") và chọn chiều khách đi qua.
checkpoint-name = Tên điểm quét
checkpoint-direction = Chiều
checkpoint-invalid = Tên điểm quét cần từ 1 đến 60 ký tự.
start-scanning = Bắt đầu quét
stop-scanning = Dừng quét
leave-business = Thôi làm máy quét của cơ sở
biz-camera-on = Máy ảnh đã bật. Đưa mã của khách vào khung.
manual-entry = Nhập tay khách không có mã
manual-intro = Cho khách không có điện thoại hay thẻ. Cần họ tên và số điện thoại hoặc số giấy tờ. Thông tin được niêm phong ngay.
manual-name = Họ và tên
manual-phone = Số điện thoại
manual-id = Số CCCD / giấy tờ
manual-birth-year = Năm sinh
manual-save = Ghi nhận khách
outcome-accepted = Đã ghi nhận
outcome-duplicate = Đã ghi nhận trước đó
outcome-duplicate-detail = { $who } — đã quét { $minutes } phút trước, không tính thêm
outcome-rejected = Không ghi nhận
counts-today = Hôm nay: { $entries } lượt vào, { $exits } lượt ra, { $people } người
source-personal = mã QR cá nhân
source-cccd = thẻ CCCD
source-bhyt = thẻ BHYT
source-national = mã QR quốc gia
source-manual = nhập tay

## Liên kết
link-bad-poster = Đường dẫn địa điểm này không hợp lệ (có thể bị giả). Hãy quét mã trên áp phích.
link-unknown = Đường dẫn này không thuộc QuetMa.

## Chia sẻ lịch sử cho cán bộ y tế
share-intro = Nếu bạn được xác định mắc bệnh, cán bộ y tế sẽ đưa bạn một mã ca bệnh (chữ hoặc mã QR). Nhập hoặc quét mã đó: bạn sẽ thấy rõ những lần check-in nào được gửi trước khi gửi.
share-code-label = Mã ca bệnh
share-code-help = Ví dụ: 14ABCD EFGH IJKL MNOP (2 chữ số đầu là số ngày lịch sử cần gửi)
share-next = Tiếp tục
share-scan = Quét mã QR của cán bộ y tế
share-code-empty = Hãy nhập mã cán bộ y tế đưa cho bạn.
share-code-invalid = Mã chưa đúng. Mã gồm 2 chữ số rồi 16 chữ cái hoặc số — hãy kiểm tra lại.
share-code-read = Đã đọc mã ca bệnh. Hãy xem lại các lần check-in sẽ gửi.
share-other-deployment = Mã này thuộc hệ thống khác, không dùng được ở đây.
share-window = Cán bộ y tế hỏi lịch sử { $days } ngày gần đây (từ { $since }). Chỉ những lần check-in được đánh dấu dưới đây sẽ được gửi.
share-consent = Bạn tự quyết định: bỏ dấu lần nào bạn không muốn gửi. Chỉ gửi địa điểm và thời gian — không gửi tên, số điện thoại hay giấy tờ. Không có gì được gửi trước khi bạn bấm Gửi.
share-summary = Sẽ gửi { $count } trong { $total } lần check-in.
share-too-many = Mỗi lần chỉ gửi được tối đa { $max } lần check-in — hãy bỏ bớt.
share-empty = Không có lần check-in nào trong { $days } ngày gần đây trên máy này, nên không có gì để gửi. Hãy báo cho cán bộ y tế.
share-send = Gửi { $count } lần check-in
share-sending = Đang gửi…
share-visit-a11y-on = { $venue }, { $day }, { $times }. Sẽ gửi. Chạm để bỏ dấu.
share-visit-a11y-off = { $venue }, { $day }, { $times }. Không gửi. Chạm để đánh dấu.
share-ticked = Sẽ gửi { $venue }
share-unticked = Không gửi { $venue }
share-no-server = Ứng dụng chưa kết nối máy chủ nên chưa gửi được.
share-done = Đã gửi { $count } lần check-in cho cán bộ y tế
share-done-text = Cảm ơn bạn. Cán bộ y tế sẽ báo cho những người có thể đã tiếp xúc, không nêu tên bạn.
share-retry = Thử lại
share-other-code = Nhập mã khác
share-code-refused = Mã không đúng, đã dùng hoặc đã hết hạn. Hãy xin cán bộ y tế mã mới.
share-outside-window = Máy chủ từ chối vì có lần check-in ngoài khoảng ngày đã hỏi. Hãy kiểm tra ngày giờ của điện thoại rồi thử lại.
share-offline = Chưa gửi được vì không có mạng. Lịch sử vẫn còn nguyên trên máy — hãy thử lại khi có mạng.
share-not-sent = Chưa gửi được; lịch sử vẫn còn nguyên trên máy. Hãy thử lại.

## Số điện thoại của khách (sau khi quét thẻ)
visitor-phone-ask = Thẻ không có số điện thoại. Xin số của { $who } để cán bộ y tế gọi khi cần (không bắt buộc).
visitor-phone-label = Số điện thoại của khách
visitor-phone-skip = Bỏ qua
visitor-phone-saved = Đã lưu số điện thoại
