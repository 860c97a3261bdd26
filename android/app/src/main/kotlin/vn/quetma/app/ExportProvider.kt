package vn.quetma.app

import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.database.Cursor
import android.database.MatrixCursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import android.provider.OpenableColumns
import java.io.File
import java.io.FileNotFoundException

/**
 * Hands export files (history JSON/CSV, the personal card PDF) to the app the user picks in the
 * share sheet: read-only, one file, by a URI grant (androidx's FileProvider is not available).
 * Serves only files directly inside `cache/exports/`.
 */
class ExportProvider : ContentProvider() {
    override fun onCreate() = true

    private fun fileOf(uri: Uri): File {
        val ctx = context ?: throw FileNotFoundException("no context")
        val name = uri.lastPathSegment ?: throw FileNotFoundException("no file name")
        if (uri.pathSegments.size != 1 || name.contains('/') || name.startsWith(".")) throw FileNotFoundException("not an export")
        val f = File(File(ctx.cacheDir, FOLDER), name)
        if (!f.isFile) throw FileNotFoundException("no such export")
        return f
    }

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        if (mode != "r") throw SecurityException("exports are read-only")
        return ParcelFileDescriptor.open(fileOf(uri), ParcelFileDescriptor.MODE_READ_ONLY)
    }

    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, selectionArgs: Array<out String>?, sortOrder: String?): Cursor {
        val f = fileOf(uri)
        val cols = projection ?: arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE)
        return MatrixCursor(cols, 1).apply {
            addRow(cols.map { if (it == OpenableColumns.SIZE) f.length() else if (it == OpenableColumns.DISPLAY_NAME) f.name else null })
        }
    }

    override fun getType(uri: Uri): String = when (uri.lastPathSegment?.substringAfterLast('.', "")) {
        "json" -> "application/json"
        "csv" -> "text/csv"
        "pdf" -> "application/pdf"
        else -> "application/octet-stream"
    }

    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?) = 0
    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?) = 0

    companion object {
        /** The cache sub-folder holding export files. */
        const val FOLDER = "exports"

        /** The provider's authority. */
        fun authority(context: Context) = "${context.packageName}.exports"

        /** The content URI of [file] (which must be in the exports folder). */
        fun uriFor(context: Context, file: File): Uri {
            require(file.parentFile?.canonicalPath == File(context.cacheDir, FOLDER).canonicalPath) { "not in the exports folder" }
            return Uri.Builder().scheme("content").authority(authority(context)).appendPath(file.name).build()
        }
    }
}
