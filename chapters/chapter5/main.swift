print("chapter 5: coming")
