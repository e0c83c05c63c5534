// The native objects the binding owns, as SafeHandles: each is freed exactly
// once, never while a P/Invoke call that received it is still running (the
// runtime counts those), and by the finalizer when the owner forgets Dispose().
using System;
using System.Runtime.InteropServices;

namespace ConcurAuth
{
    /// <summary>A pointer the library handed out; NULL is invalid.</summary>
    internal abstract class OwnedHandle : SafeHandle
    {
        protected OwnedHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }
    }

    /// <summary>Owns one concur_manager.</summary>
    internal sealed class ManagerHandle : OwnedHandle
    {
        protected override bool ReleaseHandle()
        {
            Native.concur_manager_free(handle);
            return true;
        }
    }

    /// <summary>Owns one concur_list.</summary>
    internal sealed class ListHandle : OwnedHandle
    {
        protected override bool ReleaseHandle()
        {
            Native.concur_list_free(handle);
            return true;
        }
    }
}
