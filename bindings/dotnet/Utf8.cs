// The one string rule of this binding: strings go to C as NUL-terminated UTF-8
// bytes built by hand (secret arrays are cleared right after the call); every
// string C returns is copied, then released with concur_string_free, which zeroes it.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace ConcurAuth
{
    /// <summary>Strings across the boundary, by hand, as NUL-terminated UTF-8.</summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>UTF-8 bytes plus a NUL; null stays null (a NULL pointer).</summary>
        internal static byte[] Encode(string value, string name)
        {
            if (value == null) return null;
            if (value.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("must not contain a NUL character", name);
            }
            byte[] bytes;
            try
            {
                bytes = new byte[Strict.GetByteCount(value) + 1];
            }
            catch (EncoderFallbackException)
            {
                throw new ArgumentException("is not valid Unicode (a lone surrogate)", name);
            }
            Strict.GetBytes(value, 0, value.Length, bytes, 0);
            return bytes; // the last byte is already 0
        }

        internal static void Clear(byte[] bytes)
        {
            if (bytes != null) Array.Clear(bytes, 0, bytes.Length);
        }

        /// <summary>Copies a C string (static or owned) without freeing it.</summary>
        internal static string Read(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            int len = 0;
            while (Marshal.ReadByte(p, len) != 0) len++;
            byte[] bytes = new byte[len];
            Marshal.Copy(p, bytes, 0, len);
            string text = Encoding.UTF8.GetString(bytes);
            Array.Clear(bytes, 0, bytes.Length);
            return text;
        }

        /// <summary>Copies a string the library allocated, then frees it (concur_string_free zeroes it).</summary>
        internal static string Take(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            try
            {
                return Read(p);
            }
            finally
            {
                Native.concur_string_free(p);
            }
        }
    }
}
