//! The ids the bridge makes for what it keeps: a saved flow's record.

use std::fmt;

/// The id of one flow's record: 52 random bits, as 13 hex digits.
///
/// # Examples
/// ```
/// use quiltt_reconnect_core::FlowId;
/// let id = FlowId::from_random(0.5);
/// assert_eq!(id.to_string(), "8000000000000");
/// assert_eq!(FlowId::parse(&id.to_string()), Some(id));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowId(u64);

impl FlowId {
    /// The id made of a random number in `[0, 1)`.
    pub fn from_random(random: f64) -> Self {
        FlowId((random.clamp(0.0, 1.0) * 4_503_599_627_370_496.0) as u64 & 0xf_ffff_ffff_ffff)
    }

    /// Reads the 13 hex digits [`FlowId`]'s `Display` writes.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 13 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(text, 16).ok().map(FlowId)
    }
}

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:013x}", self.0)
    }
}

impl fmt::Debug for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FlowId({self})")
    }
}
