//! Request headers at the boundary: the library-owned list behind
//! `client->requestOptions.headers` (AddHeader), and reading a caller's list (Connect).
use crate::codes::*;
use crate::types::WebSocket_Header;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;

/// At most this many headers per request (SPEC §3 AddHeader).
pub(crate) const MAX_HEADERS: usize = 8192;
/// At most this many bytes of names and values per request.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;

/// One node of the owned list: the C node points into the two strings beside it.
struct OwnedHeader {
    node: WebSocket_Header,
    _name: CString,
    _value: CString,
}

/// The header list built by AddHeader. Nodes are boxed so their addresses never move; each
/// node's `next` points at the following box's node.
#[derive(Default)]
pub(crate) struct HeaderList {
    #[allow(clippy::vec_box)] // the boxes keep node addresses stable as the Vec grows
    nodes: Vec<Box<OwnedHeader>>,
    bytes: usize,
}

// SAFETY: the raw pointers only point into this list's own boxed strings and nodes.
unsafe impl Send for HeaderList {}

impl HeaderList {
    /// Validates and appends copies of name and value; returns the new head for
    /// `requestOptions.headers` when the list was empty.
    pub(crate) fn push(
        &mut self,
        name: *const c_char,
        value: *const c_char,
    ) -> Result<Option<*mut WebSocket_Header>, i32> {
        // SAFETY: non-NULL pointers from the caller are C strings per the API contract.
        let (name, value) = unsafe { (c_str(name)?, c_str(value)?) };
        validate(name.to_bytes(), value.to_bytes())?;
        let size = name.to_bytes().len() + value.to_bytes().len();
        if self.nodes.len() >= MAX_HEADERS || self.bytes + size > MAX_HEADER_BYTES {
            return Err(WEBSOCKET_HEADER_EXCEEDED);
        }
        let (name, value) = (name.to_owned(), value.to_owned());
        let mut owned = Box::new(OwnedHeader {
            node: WebSocket_Header {
                fieldName: name.as_ptr(),
                fieldValue: value.as_ptr(),
                next: ptr::null_mut(),
            },
            _name: name,
            _value: value,
        });
        let node: *mut WebSocket_Header = &mut owned.node;
        let new_head = match self.nodes.last_mut() {
            Some(last) => {
                last.node.next = node;
                None
            }
            None => Some(node),
        };
        self.nodes.push(owned);
        self.bytes += size;
        Ok(new_head)
    }
}

/// NULL → 1015.
unsafe fn c_str<'a>(p: *const c_char) -> Result<&'a CStr, i32> {
    if p.is_null() {
        Err(WEBSOCKET_NO_HEADER_CONTEXT)
    } else {
        Ok(CStr::from_ptr(p))
    }
}

/// RFC 7230 §3.2: a field name is a token; a value has no CR or LF (NUL cannot occur in a C
/// string). Header injection must be impossible.
fn validate(name: &[u8], value: &[u8]) -> Result<(), i32> {
    let token = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    if name.is_empty() || !name.iter().all(token) || value.iter().any(|&b| b == b'\r' || b == b'\n')
    {
        return Err(WEBSOCKET_NO_HEADER_CONTEXT);
    }
    Ok(())
}

impl HeaderList {
    /// Copies of the names and values, in order.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        self.nodes
            .iter()
            .map(|h| {
                let text = |s: &CString| s.to_string_lossy().into_owned();
                (text(&h._name), text(&h._value))
            })
            .collect()
    }

    /// Whether `node` is one of this list's own nodes.
    pub(crate) fn owns(&self, node: *const WebSocket_Header) -> bool {
        self.nodes.iter().any(|h| std::ptr::eq(&h.node, node))
    }
}

/// The headers of a Connect (SPEC §3): the client's own list (AddHeader), then the caller's
/// list up to the first node that belongs to the client's own list (passing
/// `client->requestOptions`, or a list that continues into it, sends each header once).
/// Limits apply to the whole.
///
/// # Safety
/// `head` is NULL or the first node of a list of valid nodes, per the API contract.
pub(crate) unsafe fn for_connect(
    own: &HeaderList,
    head: *const WebSocket_Header,
) -> Result<Vec<(String, String)>, i32> {
    let mut headers = own.pairs();
    let mut bytes = own.bytes;
    read_into(&mut headers, &mut bytes, head, |node| own.owns(node))?;
    Ok(headers)
}

/// Reads and copies a caller's header list, validating each entry as AddHeader does.
///
/// # Safety
/// `head` is NULL or the first node of a list of valid nodes, per the API contract.
#[cfg(test)]
pub(crate) unsafe fn read_list(
    head: *const WebSocket_Header,
) -> Result<Vec<(String, String)>, i32> {
    let mut headers = Vec::new();
    read_into(&mut headers, &mut 0, head, |_| false)?;
    Ok(headers)
}

/// Appends the caller's list from `head` to `headers`, stopping at a node for which `stop`
/// holds; `bytes` counts names and values against [`MAX_HEADER_BYTES`].
///
/// # Safety
/// `head` is NULL or the first node of a list of valid nodes, per the API contract.
unsafe fn read_into(
    headers: &mut Vec<(String, String)>,
    bytes: &mut usize,
    mut head: *const WebSocket_Header,
    stop: impl Fn(*const WebSocket_Header) -> bool,
) -> Result<(), i32> {
    while !head.is_null() && !stop(head) {
        if headers.len() >= MAX_HEADERS {
            return Err(WEBSOCKET_HEADER_EXCEEDED);
        }
        let node = &*head;
        let (name, value) = (c_str(node.fieldName)?, c_str(node.fieldValue)?);
        validate(name.to_bytes(), value.to_bytes())?;
        *bytes += name.to_bytes().len() + value.to_bytes().len();
        if *bytes > MAX_HEADER_BYTES {
            return Err(WEBSOCKET_HEADER_EXCEEDED);
        }
        let (Ok(name), Ok(value)) = (name.to_str(), value.to_str()) else {
            return Err(WEBSOCKET_NO_HEADER_CONTEXT);
        };
        headers.push((name.to_string(), value.to_string()));
        head = node.next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_tokens_and_values_single_line() {
        assert_eq!(validate(b"X-Ok", b"v a l"), Ok(()));
        for name in [&b""[..], b"A B", b"A:B", b"A\r", b"A\n", b"(x)"] {
            assert_eq!(validate(name, b"v"), Err(WEBSOCKET_NO_HEADER_CONTEXT));
        }
        for value in [&b"a\rb"[..], b"a\nb", b"a\r\nX-Injected: 1"] {
            assert_eq!(validate(b"X", value), Err(WEBSOCKET_NO_HEADER_CONTEXT));
        }
    }

    #[test]
    fn list_links_nodes_and_enforces_limits() {
        let mut list = HeaderList::default();
        let head = list.push(c"A".as_ptr(), c"1".as_ptr()).unwrap().unwrap();
        assert_eq!(list.push(c"B".as_ptr(), c"2".as_ptr()), Ok(None));
        let copied = unsafe { read_list(head) }.unwrap();
        assert_eq!(
            copied,
            vec![("A".into(), "1".into()), ("B".into(), "2".into())]
        );
        // Connect: the own list once, then the caller's list until it reaches the own list.
        let extra = CString::new("X").unwrap();
        let caller = WebSocket_Header {
            fieldName: extra.as_ptr(),
            fieldValue: extra.as_ptr(),
            next: head,
        };
        let all = unsafe { for_connect(&list, &caller) }.unwrap();
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["A", "B", "X"]);
        assert_eq!(unsafe { for_connect(&list, head) }.unwrap().len(), 2);
        assert_eq!(unsafe { for_connect(&list, ptr::null()) }.unwrap().len(), 2);
        let big = CString::new(vec![b'v'; MAX_HEADER_BYTES]).unwrap();
        assert_eq!(
            list.push(c"C".as_ptr(), big.as_ptr()),
            Err(WEBSOCKET_HEADER_EXCEEDED)
        );
        assert_eq!(
            list.push(ptr::null(), c"x".as_ptr()),
            Err(WEBSOCKET_NO_HEADER_CONTEXT)
        );
    }
}
