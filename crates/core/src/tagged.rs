//! Tagged enums on the wire (`{"type": "log", …}`, `{"field": "status",
//! "value": …}`), read without serde's buffering.
//!
//! Why not `#[serde(tag = …)]`: serde's derive cannot know the tag comes
//! first, so it reads the whole object into its private `Content` tree and
//! then reads each variant's fields again out of that tree. That is a second
//! copy of the deserialization code of every type inside (cases, checklists,
//! interactions, dates), and in the client it was a large share of the
//! .wasm (see the README's Size section). Serde always writes the tag first,
//! and Advocase reads only what Advocase wrote, so here the tag must come
//! first and the rest of the object goes straight to the variant. The JSON
//! is byte for byte what the derive wrote (the tests below hold both side by
//! side), so stored logs and the server's rows read as before.
//!
//! Use: `#[derive(Serialize, Deserialize)] #[serde(remote = "Self")]` on
//! the enum (serde's externally tagged shape, as inherent functions), then
//! [`tagged!`](crate::tagged!) implements the traits through [`TagSer`] and
//! [`TagDe`]: `tagged!(Op, "type")` for an internally tagged enum (unit and
//! struct variants), `tagged!(FieldValue, "field", "value")` for an
//! adjacently tagged one (newtype variants).

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, VariantAccess, Visitor,
};
use serde::ser::{
    self, Impossible, Serialize, SerializeStruct, SerializeStructVariant, Serializer,
};

/// Implements `Serialize` and `Deserialize` for an enum derived with
/// `#[serde(remote = "Self")]`, tagged by `$tag` (and, for newtype
/// variants, with the value under `$content`).
#[macro_export]
macro_rules! tagged {
    ($ty:ty, $tag:literal $(, $content:literal)?) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                // The inherent function serde generated for `remote = "Self"`.
                <$ty>::serialize(self, $crate::tagged::TagSer::new(s, $tag, None $(.or(Some($content)))?))
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$ty>::deserialize($crate::tagged::TagDe::new(d, $tag, None $(.or(Some($content)))?))
            }
        }
    };
}

/// Implements `Serialize` and `Deserialize` for a struct derived with
/// `#[serde(remote = "Self")]`, read as a JSON object only ([`MapOnly`]).
///
/// Why: serde's derive also reads a struct from a JSON *array* (its
/// `visit_seq`), and serde_json's `deserialize_struct` keeps that path
/// alive, so every record carried a second reader no stored or sent JSON
/// ever uses. Read through `deserialize_map`, the array path is never
/// instantiated. The JSON written is unchanged.
#[macro_export]
macro_rules! record {
    ($($ty:ty),+ $(,)?) => {$(
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                <$ty>::serialize(self, s)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$ty>::deserialize($crate::tagged::MapOnly(d))
            }
        }
    )+};
}

/// A deserializer that reads a struct as a map, never as a sequence.
pub struct MapOnly<D>(pub D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for MapOnly<D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// Writes an externally tagged variant as an object with the tag first.
pub struct TagSer<S> {
    inner: S,
    tag: &'static str,
    content: Option<&'static str>,
}

impl<S> TagSer<S> {
    pub fn new(inner: S, tag: &'static str, content: Option<&'static str>) -> Self {
        TagSer {
            inner,
            tag,
            content,
        }
    }
}

/// A struct variant's fields, after the tag.
pub struct Fields<T>(T);

impl<T: SerializeStruct> SerializeStructVariant for Fields<T> {
    type Ok = T::Ok;
    type Error = T::Error;
    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), T::Error> {
        self.0.serialize_field(key, value)
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), T::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<T::Ok, T::Error> {
        self.0.end()
    }
}

fn not_a_variant<E: ser::Error>() -> E {
    E::custom("a tagged enum writes only its unit, newtype or struct variants")
}

/// Every serializer method but the variants': the derive never calls them.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, S::Error> { Err(not_a_variant()) })*
    };
}

impl<S: Serializer> Serializer for TagSer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Impossible<S::Ok, S::Error>;
    type SerializeStructVariant = Fields<S::SerializeStruct>;

    fn serialize_unit_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        let mut s = self.inner.serialize_struct(name, 1)?;
        s.serialize_field(self.tag, variant)?;
        s.end()
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let content = self.content.ok_or_else(not_a_variant)?;
        let mut s = self.inner.serialize_struct(name, 2)?;
        s.serialize_field(self.tag, variant)?;
        s.serialize_field(content, value)?;
        s.end()
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        if self.content.is_some() {
            return Err(not_a_variant());
        }
        let mut s = self.inner.serialize_struct(name, len + 1)?;
        s.serialize_field(self.tag, variant)?;
        Ok(Fields(s))
    }

    refuse! {
        serialize_bool(bool) -> S::Ok;
        serialize_i8(i8) -> S::Ok;
        serialize_i16(i16) -> S::Ok;
        serialize_i32(i32) -> S::Ok;
        serialize_i64(i64) -> S::Ok;
        serialize_u8(u8) -> S::Ok;
        serialize_u16(u16) -> S::Ok;
        serialize_u32(u32) -> S::Ok;
        serialize_u64(u64) -> S::Ok;
        serialize_f32(f32) -> S::Ok;
        serialize_f64(f64) -> S::Ok;
        serialize_char(char) -> S::Ok;
        serialize_str(&str) -> S::Ok;
        serialize_bytes(&[u8]) -> S::Ok;
        serialize_none() -> S::Ok;
        serialize_unit() -> S::Ok;
        serialize_unit_struct(&'static str) -> S::Ok;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(not_a_variant())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_variant())
    }
}

/// Reads an object whose first key is the tag as an externally tagged
/// variant: the tag names the variant, the rest of the object is its body.
pub struct TagDe<D> {
    inner: D,
    tag: &'static str,
    content: Option<&'static str>,
}

impl<D> TagDe<D> {
    pub fn new(inner: D, tag: &'static str, content: Option<&'static str>) -> Self {
        TagDe {
            inner,
            tag,
            content,
        }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for TagDe<D> {
    type Error = D::Error;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Tagged {
            visitor,
            tag: self.tag,
            content: self.content,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.deserialize_enum("", &[], visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct Tagged<V> {
    visitor: V,
    tag: &'static str,
    content: Option<&'static str>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Tagged<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object whose first key is \"{}\"", self.tag)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == self.tag => {}
            Some(_) => {
                return Err(de::Error::custom(format_args!(
                    "\"{}\" must be the object's first key",
                    self.tag
                )));
            }
            None => return Err(de::Error::missing_field(self.tag)),
        }
        self.visitor.visit_enum(Body {
            map,
            content: self.content,
        })
    }
}

/// The tag's value, then the rest of the object.
struct Body<A> {
    map: A,
    content: Option<&'static str>,
}

impl<A> Body<A> {
    /// Skips what is left, as a derived struct skips unknown keys.
    fn finish<'de>(mut self) -> Result<(), A::Error>
    where
        A: MapAccess<'de>,
    {
        while self.map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Body<A> {
    type Error = A::Error;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(
        mut self,
        seed: T,
    ) -> Result<(T::Value, Self), A::Error> {
        // Read as the tag's value, so an unknown variant is reported at
        // the tag (`changes[0].op.type`).
        let value = self.map.next_value_seed(seed)?;
        Ok((value, self))
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Body<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.finish()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        mut self,
        seed: T,
    ) -> Result<T::Value, A::Error> {
        let Some(content) = self.content else {
            return Err(de::Error::custom("a newtype variant needs a content key"));
        };
        while let Some(key) = self.map.next_key::<String>()? {
            if key == content {
                let value = self.map.next_value_seed(seed)?;
                self.finish()?;
                return Ok(value);
            }
            self.map.next_value::<IgnoredAny>()?;
        }
        Err(de::Error::missing_field(content))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("tuple variants are not tagged"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        if self.content.is_some() {
            return Err(de::Error::custom("struct variants are tagged internally"));
        }
        // The derived struct visitor reads the remaining keys itself.
        visitor.visit_map(self.map)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    /// The shapes as serde's derive writes them: the reference.
    mod derived {
        use super::*;
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        pub enum Op {
            Pause,
            Move {
                to: String,
                #[serde(default, skip_serializing_if = "Vec::is_empty")]
                via: Vec<u32>,
                at: Option<u64>,
            },
        }
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "field", content = "value", rename_all = "snake_case")]
        pub enum Set {
            Name(String),
            Due(Option<u32>),
            Op(Op),
        }
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(remote = "Self", rename_all = "snake_case")]
    enum Op {
        Pause,
        Move {
            to: String,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            via: Vec<u32>,
            at: Option<u64>,
        },
    }
    crate::tagged!(Op, "type");

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(remote = "Self", rename_all = "snake_case")]
    enum Set {
        Name(String),
        Due(Option<u32>),
        Op(Op),
    }
    crate::tagged!(Set, "field", "value");

    fn samples() -> Vec<(derived::Set, Set)> {
        vec![
            (
                derived::Set::Name("Ann \"Jo\"".into()),
                Set::Name("Ann \"Jo\"".into()),
            ),
            (derived::Set::Due(None), Set::Due(None)),
            (derived::Set::Due(Some(7)), Set::Due(Some(7))),
            (derived::Set::Op(derived::Op::Pause), Set::Op(Op::Pause)),
            (
                derived::Set::Op(derived::Op::Move {
                    to: "ICU".into(),
                    via: vec![],
                    at: None,
                }),
                Set::Op(Op::Move {
                    to: "ICU".into(),
                    via: vec![],
                    at: None,
                }),
            ),
            (
                derived::Set::Op(derived::Op::Move {
                    to: "4B".into(),
                    via: vec![1, 2],
                    at: Some(9),
                }),
                Set::Op(Op::Move {
                    to: "4B".into(),
                    via: vec![1, 2],
                    at: Some(9),
                }),
            ),
        ]
    }

    #[test]
    fn writes_what_serde_derive_writes_and_reads_it_back() {
        for (reference, ours) in samples() {
            let theirs = serde_json::to_string(&reference).unwrap();
            assert_eq!(serde_json::to_string(&ours).unwrap(), theirs);
            assert_eq!(serde_json::from_str::<Set>(&theirs).unwrap(), ours);
            let pretty = serde_json::to_string_pretty(&ours).unwrap();
            assert_eq!(
                serde_json::from_str::<derived::Set>(&pretty).unwrap(),
                reference
            );
        }
    }

    #[test]
    fn unknown_keys_are_skipped_and_defaults_apply() {
        let op: Op =
            serde_json::from_str(r#"{"type":"move","extra":{"a":[1]},"to":"ER","at":null}"#)
                .unwrap();
        assert_eq!(
            op,
            Op::Move {
                to: "ER".into(),
                via: vec![],
                at: None
            }
        );
        let op: Op = serde_json::from_str(r#"{"type":"pause","left":"over"}"#).unwrap();
        assert_eq!(op, Op::Pause);
        let set: Set =
            serde_json::from_str(r#"{"field":"due","note":1,"value":3,"after":true}"#).unwrap();
        assert_eq!(set, Set::Due(Some(3)));
    }

    #[test]
    fn a_misplaced_missing_or_unknown_tag_is_a_clear_error() {
        let err = |json: &str| serde_json::from_str::<Op>(json).unwrap_err().to_string();
        assert!(
            err(r#"{"to":"ER","type":"move"}"#).contains("\"type\" must be the object's first key")
        );
        assert!(err("{}").contains("missing field `type`"));
        assert!(err(r#"{"type":"fly"}"#).contains("unknown variant `fly`"));
        assert!(err(r#"{"type":"move"}"#).contains("missing field `to`"));
        assert!(err(r#""move""#).contains("an object whose first key is \"type\""));
        let set = |json: &str| serde_json::from_str::<Set>(json).unwrap_err().to_string();
        assert!(set(r#"{"field":"name"}"#).contains("missing field `value`"));
        assert!(set(r#"{"value":"x","field":"name"}"#).contains("must be the object's first key"));
        assert!(set(r#"{"field":"name","value":5}"#).contains("invalid type"));
    }

    #[test]
    fn inside_other_shapes_it_reads_from_any_deserializer() {
        let list: Vec<Set> =
            serde_json::from_str(r#"[{"field":"op","value":{"type":"pause"}}]"#).unwrap();
        assert_eq!(list, [Set::Op(Op::Pause)]);
        // A `Value` whose tag is not the first key is refused rather than
        // guessed at. "to" sorts before "type" too, so this holds whether or
        // not another crate turns on serde_json's `preserve_order`.
        let value = serde_json::json!({"to": "ER", "type": "move"});
        let err = serde_json::from_value::<Op>(value).unwrap_err().to_string();
        assert!(err.contains("must be the object's first key"), "{err}");
    }
}
