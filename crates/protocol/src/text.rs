//! Text payloads whose UTF-8 was checked once, where they entered (RFC 6455 §5.6: "the
//! "Payload data" is text data encoded as UTF-8"). The check is the only way to make one, so
//! code that receives a [`Utf8Text`] sends it as a text frame without checking again.

/// Bytes that are valid UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Utf8Text(Vec<u8>);

impl Utf8Text {
    /// Checks `bytes`; gives them back when they are not UTF-8.
    pub fn new(bytes: Vec<u8>) -> Result<Utf8Text, Vec<u8>> {
        match simdutf8::basic::from_utf8(&bytes) {
            Ok(_) => Ok(Utf8Text(bytes)),
            Err(_) => Err(bytes),
        }
    }

    /// `bytes` as text when they are UTF-8 (the same check as [`Utf8Text::new`], on a
    /// borrowed slice).
    pub fn check(bytes: &[u8]) -> Option<&str> {
        simdutf8::basic::from_utf8(bytes).ok()
    }

    /// `text` copied into `buffer` (cleared first; a recycled one saves an allocation): no
    /// second check, its type proves it.
    pub fn copy_of(text: &str, mut buffer: Vec<u8>) -> Utf8Text {
        buffer.clear();
        buffer.extend_from_slice(text.as_bytes());
        Utf8Text(buffer)
    }

    /// The text's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bytes, for reuse of the buffer.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl From<String> for Utf8Text {
    fn from(text: String) -> Self {
        Utf8Text(text.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_utf8_gets_in() {
        let text = Utf8Text::new("héllo €".as_bytes().to_vec()).unwrap();
        assert_eq!(text.as_bytes(), "héllo €".as_bytes());
        assert_eq!(Utf8Text::new(vec![0xe2, 0x82]), Err(vec![0xe2, 0x82]));
        assert_eq!(Utf8Text::new(vec![0xff]), Err(vec![0xff]));
        assert_eq!(Utf8Text::from(String::from("x")).into_bytes(), b"x");
        assert_eq!(Utf8Text::check("héllo".as_bytes()), Some("héllo"));
        assert_eq!(Utf8Text::check(&[0xe2, 0x82]), None);
        let copy = Utf8Text::copy_of("ab", b"old bytes".to_vec());
        assert_eq!(copy.as_bytes(), b"ab");
    }
}
