/// Placeholder: the Inspect layer arrives with its issue (see DESIGN.md).
public enum KspyInspectModule {}
