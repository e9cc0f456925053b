//! A `Platform` read straight from its text column, so a row written by a newer briefbot with
//! a platform this one does not know fails to decode with an error naming it (sqlx's
//! `try_from` attribute would report only "unprintable error").

use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Decode, Type};

use crate::model::{Platform, UnknownPlatform};

impl Type<Any> for Platform {
    fn type_info() -> AnyTypeInfo {
        <&str as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <&str as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Platform {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let name = <&str as Decode<Any>>::decode(value)?;
        Ok(Platform::from_name(name).ok_or_else(|| UnknownPlatform(name.to_string()))?)
    }
}
