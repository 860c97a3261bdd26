package vn.quetma.app.screens

import android.content.Context
import android.content.res.ColorStateList
import android.graphics.Typeface
import android.graphics.drawable.GradientDrawable
import android.os.Build
import android.text.Editable
import android.text.InputType
import android.text.TextWatcher
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import android.widget.TextView
import vn.quetma.flows.Banner
import vn.quetma.flows.ButtonStyle
import vn.quetma.flows.ButtonView
import vn.quetma.flows.ChoiceView
import vn.quetma.flows.DialogView
import vn.quetma.flows.FieldKind
import vn.quetma.flows.FieldView
import vn.quetma.flows.FormView
import vn.quetma.flows.Level
import vn.quetma.flows.SyncView
import vn.quetma.flows.UiEvent

/**
 * The building blocks every screen renderer uses: texts, buttons, banners, choices, forms and
 * dialogs drawn from the core's view models. Sizes are in sp/dp (text wraps and grows with the
 * font scale; screens scroll), colours come from `q_*` resources with night variants. Nothing
 * here has a text of its own: every label and screen-reader description is the core's.
 *
 * [send] delivers a tap's event to the flows; [edit] a text field's change (the shell does not
 * redraw the screen while someone types: the field keeps its own text, the core keeps the value).
 */
class Ui(val context: Context, val send: (UiEvent) -> Unit, val edit: (UiEvent) -> Unit = send) {
    private val density = context.resources.displayMetrics.density

    /** The title the window already shows (a form with the same heading does not repeat it). */
    var screenTitle: String? = null

    /** [v] dp in pixels. */
    fun dp(v: Int): Int = (v * density + 0.5f).toInt()

    /** A colour resource by name (no R class in the JVM build). */
    fun color(name: String): Int {
        val id = context.resources.getIdentifier(name, "color", context.packageName)
        @Suppress("DEPRECATION")
        return if (id != 0) context.resources.getColor(id, context.theme) else 0xFF808080.toInt()
    }

    /** A vertical column of [children] with [gap] dp between them. */
    fun column(gap: Int = 12, vararg children: View?): LinearLayout = LinearLayout(context).apply {
        orientation = LinearLayout.VERTICAL
        children.filterNotNull().forEach { add(it, gap) }
    }

    /** A paragraph ([size] sp), wrapping. */
    fun text(s: String, size: Float = 16f, bold: Boolean = false, muted: Boolean = false, colour: Int? = null): TextView =
        TextView(context).apply {
            text = s
            textSize = size
            setTextColor(colour ?: color(if (muted) "q_muted" else "q_on_surface"))
            if (bold) setTypeface(typeface, Typeface.BOLD)
            setLineSpacing(0f, 1.15f)
        }

    /** A heading TalkBack can jump to. */
    fun heading(s: String, size: Float = 20f): TextView = text(s, size, bold = true).apply {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) isAccessibilityHeading = true
    }

    /** The core's button: its label, its description, its event; styled by [ButtonView.style]. */
    fun button(b: ButtonView): Button = Button(context, null, 0, android.R.style.Widget_Material_Button).apply {
        text = b.label
        contentDescription = b.accessibility
        isEnabled = b.enabled
        isAllCaps = false
        textSize = 17f
        minHeight = dp(48)
        minimumHeight = dp(48)
        setPadding(dp(16), dp(10), dp(16), dp(10))
        val (bg, fg, stroke) = when (b.style) {
            ButtonStyle.PRIMARY -> Triple(color("q_primary"), color("q_on_primary"), 0)
            ButtonStyle.DANGER -> Triple(color("q_danger"), color("q_on_danger"), 0)
            ButtonStyle.SECONDARY -> Triple(color("q_surface"), color("q_on_surface"), color("q_outline"))
            ButtonStyle.PLAIN -> Triple(0, color("q_primary"), 0)
        }
        background = GradientDrawable().apply {
            cornerRadius = dp(10).toFloat()
            setColor(bg)
            if (stroke != 0) setStroke(dp(1), stroke)
        }
        setTextColor(fg)
        if (!b.enabled) alpha = 0.5f
        stateListAnimator = null
        setOnClickListener { send(b.event) }
    }

    /** A full-width button. */
    fun wide(b: ButtonView): Button = button(b).apply { layoutParams = matchWidth() }

    /** A card: a rounded surface holding [children]. */
    fun card(vararg children: View?, bg: Int = color("q_surface")): LinearLayout = column(8, *children).apply {
        setPadding(dp(16), dp(14), dp(16), dp(14))
        background = GradientDrawable().apply { cornerRadius = dp(12).toFloat(); setColor(bg) }
    }

    /** The colours of a [Level]: background, text. */
    fun levelColours(level: Level): Pair<Int, Int> = when (level) {
        Level.INFO -> color("q_info_bg") to color("q_info_fg")
        Level.SUCCESS -> color("q_success_bg") to color("q_success_fg")
        Level.WARNING -> color("q_warning_bg") to color("q_warning_fg")
        Level.DANGER -> color("q_danger_bg") to color("q_danger_fg")
    }

    /** A message strip, with its button. */
    fun banner(b: Banner): View {
        val (bg, fg) = levelColours(b.level)
        return card(text(b.text, 16f, colour = fg), b.action?.let { button(it) }, bg = bg).apply {
            // a screen reader reads the strip as one piece, then its button
            if (b.level == Level.DANGER || b.level == Level.WARNING) accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        }
    }

    /** A message of [level] without a button. */
    fun message(s: String, level: Level): View = banner(Banner(s, level, null))

    /** One-of choices (language, stay, profile…): radio buttons; choosing sends the choice's event. */
    fun choices(list: List<ChoiceView>, label: String? = null): View {
        val group = RadioGroup(context).apply { orientation = RadioGroup.VERTICAL }
        list.forEach { c ->
            val rb = RadioButton(context).apply {
                id = View.generateViewId()
                text = c.label
                textSize = 17f
                setTextColor(color("q_on_surface"))
                buttonTintList = ColorStateList.valueOf(color("q_primary"))
                minHeight = dp(48)
                isChecked = c.selected
                setOnClickListener { if (!c.selected) send(c.event) }
            }
            group.addView(rb, RadioGroup.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT))
        }
        return if (label == null) group else column(4, text(label, 16f, bold = true), group)
    }

    /** A check box (a person on the check-in, a toggle field). */
    fun check(label: String, checked: Boolean, onChange: (Boolean) -> Unit): CheckBox = CheckBox(context).apply {
        text = label
        textSize = 17f
        setTextColor(color("q_on_surface"))
        buttonTintList = ColorStateList.valueOf(color("q_primary"))
        minHeight = dp(48)
        isChecked = checked
        setOnCheckedChangeListener { _, on -> onChange(on) }
    }

    /** One form field, as its kind asks. */
    fun field(f: FieldView): View = when (f.kind) {
        FieldKind.HEADING -> heading(f.label, 18f)
        FieldKind.TOGGLE -> column(
            2,
            check(f.label, f.value == "true") { on -> send(UiEvent.FieldChanged(f.key, if (on) "true" else "false")) },
            f.help?.let { text(it, 14f, muted = true) },
            f.error?.let { text(it, 15f, colour = color("q_danger")) },
        )
        FieldKind.CHOICE -> column(
            2,
            choices(f.choices, f.label + if (f.required) " *" else ""),
            f.help?.let { text(it, 14f, muted = true) },
            f.error?.let { text(it, 15f, colour = color("q_danger")) },
        )
        else -> {
            val label = text(f.label + if (f.required) " *" else "", 16f, bold = true)
            val input = EditText(context).apply {
                setText(f.value)
                textSize = 18f
                setTextColor(color("q_on_surface"))
                setHintTextColor(color("q_muted"))
                hint = f.help
                tag = f.key
                minHeight = dp(48)
                contentDescription = f.label
                inputType = when (f.kind) {
                    FieldKind.NAME -> InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME or InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS
                    FieldKind.NUMBER -> InputType.TYPE_CLASS_NUMBER
                    FieldKind.PHONE -> InputType.TYPE_CLASS_PHONE
                    FieldKind.EMAIL -> InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_EMAIL_ADDRESS
                    else -> InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES
                }
                if (f.error != null) error = f.error
                addTextChangedListener(object : TextWatcher {
                    override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) {}
                    override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) {}
                    override fun afterTextChanged(s: Editable?) { edit(UiEvent.FieldChanged(f.key, s?.toString() ?: "")) }
                })
            }
            label.labelFor = View.generateViewId().also { input.id = it }
            column(
                2,
                label,
                input,
                f.help?.takeIf { f.value.isNotEmpty() }?.let { text(it, 14f, muted = true) },
                f.error?.let { text(it, 15f, colour = color("q_danger")) },
            )
        }
    }

    /** A form: title, intro, fields, its error, then its buttons. */
    fun form(f: FormView): LinearLayout = column(
        14,
        f.title.takeIf { it != screenTitle }?.let { heading(it) },
        f.intro?.let { text(it) },
        f.error?.let { message(it, Level.DANGER) },
        *f.fields.map { field(it) }.toTypedArray(),
        wide(f.submit),
        *f.secondary.map { wide(it) }.toTypedArray(),
    )

    /** A question asked in place (delete, remove, erase): its text and two buttons. */
    fun dialog(d: DialogView): View = card(
        text(d.text, 17f, colour = levelColours(Level.WARNING).second),
        row(button(d.cancel), button(d.confirm)),
        bg = levelColours(Level.WARNING).first,
    ).apply { accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_ASSERTIVE }

    /** Buttons side by side, wrapping to a column when they do not fit (large text). */
    fun row(vararg views: View): View = FlowRow(context, dp(8)).apply { views.forEach { addView(it) } }

    /** The sync line. */
    fun sync(s: SyncView): View = column(
        4,
        text(s.text, 14f, muted = true),
        s.error?.let { text(it, 14f, colour = color("q_danger")) },
        s.syncNow?.let { button(it) },
    )

    /** Width: the parent's; height: the content's. */
    fun matchWidth() = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT)

    private fun LinearLayout.add(v: View, gap: Int) {
        val lp = (v.layoutParams as? LinearLayout.LayoutParams)
            ?: LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT)
        if (childCount > 0) lp.topMargin = dp(gap)
        addView(v, lp)
    }
}

/** Lays children out left to right, wrapping onto the next line when one does not fit. */
class FlowRow(context: Context, private val gap: Int) : ViewGroup(context) {
    override fun onMeasure(widthMeasureSpec: Int, heightMeasureSpec: Int) {
        val maxW = MeasureSpec.getSize(widthMeasureSpec).takeIf { MeasureSpec.getMode(widthMeasureSpec) != MeasureSpec.UNSPECIFIED } ?: Int.MAX_VALUE
        var x = 0
        var y = 0
        var lineH = 0
        var widest = 0
        val child = MeasureSpec.makeMeasureSpec(maxW.coerceAtMost(1 shl 20), MeasureSpec.AT_MOST)
        for (i in 0 until childCount) {
            val c = getChildAt(i)
            if (c.visibility == GONE) continue
            c.measure(child, MeasureSpec.makeMeasureSpec(0, MeasureSpec.UNSPECIFIED))
            if (x > 0 && x + c.measuredWidth > maxW) {
                y += lineH + gap
                x = 0
                lineH = 0
            }
            x += c.measuredWidth + gap
            widest = maxOf(widest, x - gap)
            lineH = maxOf(lineH, c.measuredHeight)
        }
        val w = if (MeasureSpec.getMode(widthMeasureSpec) == MeasureSpec.EXACTLY) maxW else widest
        setMeasuredDimension(resolveSize(w, widthMeasureSpec), resolveSize(y + lineH, heightMeasureSpec))
    }

    override fun onLayout(changed: Boolean, l: Int, t: Int, r: Int, b: Int) {
        val maxW = r - l
        var x = 0
        var y = 0
        var lineH = 0
        for (i in 0 until childCount) {
            val c = getChildAt(i)
            if (c.visibility == GONE) continue
            if (x > 0 && x + c.measuredWidth > maxW) {
                y += lineH + gap
                x = 0
                lineH = 0
            }
            c.layout(x, y, x + c.measuredWidth, y + c.measuredHeight)
            x += c.measuredWidth + gap
            lineH = maxOf(lineH, c.measuredHeight)
        }
    }

    init {
        // the row itself is not a control; its buttons are
        importantForAccessibility = IMPORTANT_FOR_ACCESSIBILITY_NO
    }
}
