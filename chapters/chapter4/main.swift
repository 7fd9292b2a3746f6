print("chapter 4: coming")
